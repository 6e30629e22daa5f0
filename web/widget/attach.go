package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/model"
	"parley/shared/realtime"
)

// Draft is a file the visitor picked for the next message: uploading,
// uploaded (SID set) or refused (Err set).
type Draft struct {
	ID       string
	Name     string
	Type     string
	Size     int64
	Progress float64 // 0 to 1
	SID      string
	Err      string
	Preview  string // an object URL, for images
	xhr      app.Value
}

// Uploading reports whether the draft is still on its way.
func (d *Draft) Uploading() bool { return d.SID == "" && d.Err == "" }

// mediaLink is a cached content URL of one media.
type mediaLink struct {
	url     string
	fetched time.Time
	loading bool
}

// linkLifetime is how long a fetched temporary link is used; the server's
// last five minutes.
const linkLifetime = 4 * time.Minute

// viewable are the image types the widget shows as pictures.
var viewable = []string{"image/jpeg", "image/png", "image/gif", "image/webp"}

// pickFiles takes files from the file picker, a drop or a paste, checks
// them against the deployment's policy and starts uploading the good ones.
func (w *Widget) pickFiles(ctx app.Context, files app.Value) {
	policy := w.cfg.Attachments
	if !policy.Enabled || !files.Truthy() {
		return
	}
	w.attachErr = ""
	var refused []string
	for i := range files.Get("length").Int() {
		f := files.Index(i)
		name, typ, size := f.Get("name").String(), f.Get("type").String(), int64(f.Get("size").Float())
		switch {
		case len(w.drafts) >= realtime.MaxMediaPerSend:
			refused = append(refused, fmt.Sprintf(w.t.TooManyFiles, realtime.MaxMediaPerSend))
		case size > policy.MaxBytes:
			refused = append(refused, fmt.Sprintf(w.t.TooBig, name, humanSize(policy.MaxBytes)))
		case size == 0:
			refused = append(refused, fmt.Sprintf(w.t.EmptyFile, name))
		case typ != "" && !slices.Contains(policy.AllowedTypes, normalType(typ)):
			refused = append(refused, fmt.Sprintf(w.t.NotAllowed, name))
		default:
			d := &Draft{ID: newKey(), Name: name, Type: typ, Size: size}
			if slices.Contains(viewable, normalType(typ)) {
				d.Preview = app.Window().Get("URL").Call("createObjectURL", f).String()
			}
			w.drafts = append(w.drafts, d)
			w.upload(d, f)
		}
	}
	w.attachErr = strings.Join(slices.Compact(refused), " ")
}

func normalType(t string) string {
	switch t {
	case "image/jpg", "image/pjpeg":
		return "image/jpeg"
	case "audio/mp3":
		return "audio/mpeg"
	}
	return t
}

// upload sends one file to the media service with XMLHttpRequest, the one
// browser API that reports upload progress.
func (w *Widget) upload(d *Draft, file app.Value) {
	xhr := app.Window().Get("XMLHttpRequest").New()
	d.xhr = xhr
	u := w.origin + "/mcs/v1/Services/" + url.PathEscape(w.serviceSID) + "/Media?" + url.Values{"Filename": {d.Name}}.Encode()
	xhr.Call("open", "POST", u)
	xhr.Call("setRequestHeader", "X-Twilio-Token", w.token())
	if d.Type != "" {
		xhr.Call("setRequestHeader", "Content-Type", d.Type)
	} else {
		xhr.Call("setRequestHeader", "Content-Type", "application/octet-stream")
	}
	var progress, done app.Func
	progress = app.FuncOf(func(this app.Value, args []app.Value) any {
		if e := args[0]; e.Get("lengthComputable").Bool() {
			p := e.Get("loaded").Float() / e.Get("total").Float()
			w.ctx.Dispatch(func(app.Context) { d.Progress = p })
		}
		return nil
	})
	done = app.FuncOf(func(this app.Value, args []app.Value) any {
		progress.Release()
		done.Release()
		status, text := xhr.Get("status").Int(), xhr.Get("responseText").String()
		w.ctx.Dispatch(func(app.Context) { w.uploaded(d, status, text) })
		return nil
	})
	xhr.Get("upload").Call("addEventListener", "progress", progress)
	xhr.Call("addEventListener", "loadend", done)
	xhr.Call("send", file)
}

// uploaded records the server's answer to a draft's upload.
func (w *Widget) uploaded(d *Draft, status int, text string) {
	d.xhr = app.Undefined()
	if status == 201 {
		var m model.MediaResource
		if err := json.Unmarshal([]byte(text), &m); err == nil && m.SID != "" {
			d.SID, d.Type, d.Size, d.Progress = m.SID, m.ContentType, m.Size, 1
			if d.Preview != "" {
				w.links[m.SID] = &mediaLink{url: d.Preview, fetched: time.Now().Add(24 * time.Hour)}
			}
			return
		}
	}
	var e model.Error
	if json.Unmarshal([]byte(text), &e) == nil && e.Message != "" {
		d.Err = e.Message
	} else if status == 0 {
		d.Err = w.t.UploadFailed
	} else {
		d.Err = fmt.Sprintf("%s (%d)", w.t.UploadFailed, status)
	}
}

// removeDraft drops a draft, cancelling its upload.
func (w *Widget) removeDraft(d *Draft) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		if d.xhr != nil && d.xhr.Truthy() {
			d.xhr.Call("abort")
		}
		w.drafts = slices.DeleteFunc(w.drafts, func(x *Draft) bool { return x == d })
		focus("composer")
	}
}

// takeDrafts returns the uploaded drafts as a message's media and clears
// them. Refused drafts are dropped; ok is false while any still uploads.
func (w *Widget) takeDrafts() (media []model.Media, ok bool) {
	for _, d := range w.drafts {
		if d.Uploading() {
			return nil, false
		}
	}
	for _, d := range w.drafts {
		if d.SID != "" {
			media = append(media, model.Media{SID: d.SID, ContentType: d.Type, Filename: d.Name, Size: d.Size, Category: "media"})
		}
	}
	w.drafts = nil
	return media, true
}

func (w *Widget) onDragOver(ctx app.Context, e app.Event) {
	if w.cfg.Attachments.Enabled {
		e.PreventDefault() // allows the drop
		w.dragging = true
	}
}

func (w *Widget) onDrop(ctx app.Context, e app.Event) {
	w.dragging = false
	if !w.cfg.Attachments.Enabled {
		return
	}
	e.PreventDefault()
	w.pickFiles(ctx, e.Get("dataTransfer").Get("files"))
}

func (w *Widget) onPaste(ctx app.Context, e app.Event) {
	files := e.Get("clipboardData").Get("files")
	if w.cfg.Attachments.Enabled && files.Truthy() && files.Get("length").Int() > 0 {
		e.PreventDefault()
		w.pickFiles(ctx, files)
	}
}

func (w *Widget) onFileInput(ctx app.Context, e app.Event) {
	input := ctx.JSSrc()
	w.pickFiles(ctx, input.Get("files"))
	input.Set("value", "") // picking the same file again fires change again
}

// link returns a content URL for media sid, fetching a fresh temporary
// link when it has none or an old one. Until then it returns "".
func (w *Widget) link(sid string) string {
	l := w.links[sid]
	if l != nil && (l.loading || time.Since(l.fetched) < linkLifetime) {
		return l.url
	}
	if l == nil {
		l = &mediaLink{}
		w.links[sid] = l
	}
	l.loading = true
	rest, svc := w.rest, w.serviceSID
	w.ctx.Async(func() {
		var m model.MediaResource
		c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		err := rest.Do(c, "GET", "/mcs/v1/Services/"+url.PathEscape(svc)+"/Media/"+url.PathEscape(sid), nil, &m)
		w.ctx.Dispatch(func(app.Context) {
			// A failure is remembered like a link, so the next render
			// does not ask again at once: render must not loop on a 403.
			l.loading, l.fetched = false, time.Now()
			if err == nil {
				l.url = m.Links["content_direct_temporary"]
			}
		})
	})
	return l.url
}

// attachments renders a message's files: pictures as thumbnails that open
// the viewer, other files as download chips with name and size.
func (w *Widget) attachments(media []model.Media) app.UI {
	items := make([]app.UI, 0, len(media))
	for _, f := range media {
		name := firstNonEmpty(f.Filename, w.t.Attachment)
		src := w.link(f.SID)
		if slices.Contains(viewable, f.ContentType) {
			items = append(items, app.Button().Type("button").Class("thumb").Title(name).Aria("label", fmt.Sprintf(w.t.ViewImage, name)).
				OnClick(func(ctx app.Context, e app.Event) { w.viewer, w.viewerName = src, name }).
				Body(app.If(src != "", func() app.UI { return app.Img().Src("%s", src).Alt("%s", name).Loading("lazy") })))
			continue
		}
		items = append(items, app.A().Class("file").Href(src).Download("%s", name).Target("_blank").Rel("noopener").Body(
			app.Raw(documentIcon),
			app.Span().Class("file-name").Dir("auto").Text(name),
			app.Span().Class("file-size").Text(humanSize(f.Size)),
		))
	}
	return app.Div().Class("attachments").Body(items...)
}

// drafts renders the files waiting to go with the next message.
func (w *Widget) draftsView() app.UI {
	items := make([]app.UI, 0, len(w.drafts))
	for _, d := range w.drafts {
		class := "draft"
		switch {
		case d.Err != "":
			class += " failed"
		case d.Uploading():
			class += " uploading"
		}
		items = append(items, app.Li().Class(class).Title(d.Err).Body(
			app.If(d.Preview != "", func() app.UI { return app.Img().Src("%s", d.Preview).Alt("") }),
			app.Span().Class("file-name").Dir("auto").Text(d.Name),
			app.If(d.Uploading(), func() app.UI {
				return app.Progress().Max(1).Value(d.Progress).Aria("label", fmt.Sprintf(w.t.Uploading, d.Name))
			}).ElseIf(d.Err != "", func() app.UI {
				return app.Span().Class("draft-error").Role("alert").Text(d.Err)
			}).Else(func() app.UI {
				return app.Span().Class("file-size").Text(humanSize(d.Size))
			}),
			app.Button().Type("button").Class("remove").Aria("label", fmt.Sprintf(w.t.RemoveFile, d.Name)).Title(w.t.Remove).
				Text("×").OnClick(w.removeDraft(d)),
		))
	}
	return app.Ul().Class("drafts").Aria("label", w.t.Attachments).Body(items...)
}

// viewerView shows one picture over the chat.
func (w *Widget) viewerView() app.UI {
	closeViewer := func(ctx app.Context, e app.Event) { w.viewer = "" }
	return app.Div().Class("viewer").Role("dialog").Aria("modal", "true").Aria("label", w.viewerName).
		OnClick(closeViewer).Body(
		app.Img().Src("%s", w.viewer).Alt("%s", w.viewerName),
		app.Div().Class("viewer-bar").Body(
			app.A().Class("download").Href(w.viewer).Download("%s", w.viewerName).Text(w.t.Download).
				OnClick(func(ctx app.Context, e app.Event) { e.Call("stopPropagation") }),
			app.Button().Type("button").ID("viewer-close").Class("close").Text(w.t.Close).OnClick(closeViewer),
		),
	)
}

// Icons are inline SVG: an emoji needs a font a page may not have.
const (
	paperclipIcon = `<svg class="icon" aria-hidden="true" viewBox="0 0 24 24" width="22" height="22" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M21 11.5l-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l7.9-7.9"/></svg>`
	documentIcon  = `<svg class="icon" aria-hidden="true" viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M14 3H6a1 1 0 0 0-1 1v16a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V8z"/><path d="M14 3v5h5"/></svg>`
)

// humanSize writes a file size the way people read it.
func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", (n+512)>>10)
	}
	return fmt.Sprintf("%d B", n)
}
