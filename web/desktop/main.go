// Command desktop is the agent desktop and the supervisor's views: a go-app
// program compiled to its own WebAssembly binary (no customer widget code
// in it), served at /desktop/ (see server/frontend).
package main

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

func main() {
	app.RouteWithRegexp("^/desktop", func() app.Composer { return &Desktop{} })
	app.RunWhenOnBrowser()
}
