package attach

import (
	"fmt"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/model"
)

// Words are what the file views say, in the app's language. Those with
// a %s take the file's name.
type Words struct {
	Attachment string // the name of a file that has none
	ViewImage  string // %s
	Uploading  string // %s
	Remove     string
	RemoveFile string // %s
	Drafts     string // the list of files to send
	Download   string
	Close      string
}

// Files renders a message's files: pictures as thumbnails that open the
// viewer (view gets the picture's link and name), other files as download
// chips with name and size.
func Files(ctx app.Context, links *Links, media []model.Media, w Words, view func(src, name string)) app.UI {
	items := make([]app.UI, 0, len(media))
	for _, f := range media {
		name := f.Filename
		if name == "" {
			name = w.Attachment
		}
		src := links.URL(ctx, f.SID)
		if Viewable(f.ContentType) {
			items = append(items, app.Button().Type("button").Class("thumb").Title(name).Aria("label", fmt.Sprintf(w.ViewImage, name)).
				OnClick(func(ctx app.Context, e app.Event) { view(src, name) }, app.EventScope(f.SID+" "+src)). // by the link too: a first render may have none yet
				Body(app.If(src != "", func() app.UI { return app.Img().Src("%s", src).Alt("%s", name).Loading("lazy") })))
			continue
		}
		items = append(items, app.A().Class("file").Href(src).Download("%s", name).Target("_blank").Rel("noopener").Body(
			app.Raw(DocumentIcon),
			app.Span().Class("file-name").Dir("auto").Text(name),
			app.Span().Class("file-size").Text(Size(f.Size)),
		))
	}
	return app.Div().Class("attachments").Body(items...)
}

// Drafts renders the files waiting to go with the next message: each with
// its preview, its progress, its error or its size, and a remove button.
func Drafts(drafts []*Draft, w Words, remove func(*Draft)) app.UI {
	items := make([]app.UI, 0, len(drafts))
	for _, d := range drafts {
		class := "draft"
		switch {
		case d.Err != "":
			class += " failed"
		case d.Uploading():
			class += " uploading"
		}
		items = append(items, app.Li().Class(class).Title(d.Err).Body(
			// The file's name follows the preview, so the picture is
			// decoration; go-app drops an empty alt, so say it with a role.
			app.If(d.Preview != "", func() app.UI { return app.Img().Src("%s", d.Preview).Role("presentation") }),
			app.Span().Class("file-name").Dir("auto").Text(d.Name),
			app.If(d.Uploading(), func() app.UI {
				return app.Progress().Max(1).Value(d.Progress).Aria("label", fmt.Sprintf(w.Uploading, d.Name))
			}).ElseIf(d.Err != "", func() app.UI {
				return app.Span().Class("draft-error").Role("alert").Text(d.Err)
			}).Else(func() app.UI {
				return app.Span().Class("file-size").Text(Size(d.Size))
			}),
			app.Button().Type("button").Class("remove").Aria("label", fmt.Sprintf(w.RemoveFile, d.Name)).Title(w.Remove).
				Text("×").OnClick(func(ctx app.Context, e app.Event) { d.Cancel(); remove(d) }, app.EventScope(d.ID)),
		))
	}
	return app.Ul().Class("drafts").Aria("label", w.Drafts).Body(items...)
}

// Viewer shows one picture over the page; a click anywhere but the
// download link closes it.
func Viewer(src, name string, w Words, close func()) app.UI {
	closeViewer := func(ctx app.Context, e app.Event) { close() }
	return app.Div().Class("viewer").Role("dialog").Aria("modal", "true").Aria("label", name).
		OnClick(closeViewer).Body(
		app.Img().Src("%s", src).Alt("%s", name),
		app.Div().Class("viewer-bar").Body(
			app.A().Class("download").Href(src).Download("%s", name).Text(w.Download).
				OnClick(func(ctx app.Context, e app.Event) { e.Call("stopPropagation") }),
			app.Button().Type("button").ID("viewer-close").Class("close").Text(w.Close).OnClick(closeViewer),
		),
	)
}
