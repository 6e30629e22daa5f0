// Command widget is the customer's chat widget: a go-app program compiled
// to WebAssembly and loaded in an iframe by /embed.js. It holds no agent
// code; the server serves it at /widget/ (see server/frontend).
package main

import "github.com/maxence-charriere/go-app/v10/pkg/app"

func main() {
	app.RouteWithRegexp("^/widget", func() app.Composer { return &Widget{} })
	app.RunWhenOnBrowser()
}
