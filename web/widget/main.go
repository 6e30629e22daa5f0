// Command widget is the customer's chat widget: a go-app program compiled
// to WebAssembly and loaded in an iframe by /embed.js. It holds no agent
// code; the server serves it at /widget/ (see server/frontend).
package main

import "github.com/maxence-charriere/go-app/v10/pkg/app"

func main() {
	mark("parley:main")
	app.RouteWithRegexp("^/widget", func() app.Composer { return &Widget{} })
	app.RunWhenOnBrowser()
}

// mark records a point of the start in the page's performance timeline,
// where DevTools shows it: profiling a start is how docs/BENCHMARKS.md
// learned where a warm start spends its time.
func mark(name string) {
	if app.IsClient {
		app.Window().Get("performance").Call("mark", name)
	}
}
