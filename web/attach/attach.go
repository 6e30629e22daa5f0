// Package attach is what the widget and the desktop share about files:
// uploading one to the media service with progress, and finding a
// picture's or a file's content link. Each app draws its own attach
// button, drafts and chips in its own words.
package attach

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/client"
	"parley/shared/model"
)

// Draft is a file picked for the next message: uploading, uploaded (SID
// set) or refused (Err set).
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

// NewDraft describes a browser File, with a preview for pictures.
func NewDraft(file app.Value) *Draft {
	d := &Draft{ID: newID(), Name: file.Get("name").String(), Type: file.Get("type").String(),
		Size: int64(file.Get("size").Float())}
	if Viewable(d.Type) {
		d.Preview = app.Window().Get("URL").Call("createObjectURL", file).String()
	}
	return d
}

// Uploading reports whether the draft is still on its way.
func (d *Draft) Uploading() bool { return d.SID == "" && d.Err == "" }

// Cancel stops the draft's upload, if it is still going.
func (d *Draft) Cancel() {
	if d.xhr != nil && d.xhr.Truthy() {
		d.xhr.Call("abort")
	}
}

// Media is the uploaded draft as a message's media.
func (d *Draft) Media() model.Media {
	return model.Media{SID: d.SID, ContentType: d.Type, Filename: d.Name, Size: d.Size, Category: "media"}
}

// Upload sends file to the chat service's media with XMLHttpRequest, the
// one browser API that reports upload progress. The draft changes on the
// UI goroutine (through ctx.Dispatch); failed is the words for a network
// failure.
func Upload(ctx app.Context, origin, serviceSID, token string, d *Draft, file app.Value, failed string) {
	xhr := app.Window().Get("XMLHttpRequest").New()
	d.xhr = xhr
	u := client.MediaUploadURL(origin, serviceSID, d.Name)
	xhr.Call("open", "POST", u)
	xhr.Call("setRequestHeader", "X-Twilio-Token", token)
	typ := d.Type
	if typ == "" {
		typ = "application/octet-stream"
	}
	xhr.Call("setRequestHeader", "Content-Type", typ)
	var progress, done app.Func
	progress = app.FuncOf(func(this app.Value, args []app.Value) any {
		if e := args[0]; e.Get("lengthComputable").Bool() {
			p := e.Get("loaded").Float() / e.Get("total").Float()
			ctx.Dispatch(func(app.Context) { d.Progress = p })
		}
		return nil
	})
	done = app.FuncOf(func(this app.Value, args []app.Value) any {
		progress.Release()
		done.Release()
		status, text := xhr.Get("status").Int(), xhr.Get("responseText").String()
		ctx.Dispatch(func(app.Context) { d.uploaded(status, text, failed) })
		return nil
	})
	xhr.Get("upload").Call("addEventListener", "progress", progress)
	xhr.Call("addEventListener", "loadend", done)
	xhr.Call("send", file)
}

// uploaded records the server's answer to the upload.
func (d *Draft) uploaded(status int, text, failed string) {
	d.xhr = app.Undefined()
	if status == 201 {
		var m model.MediaResource
		if err := json.Unmarshal([]byte(text), &m); err == nil && m.SID != "" {
			d.SID, d.Type, d.Size, d.Progress = m.SID, m.ContentType, m.Size, 1
			return
		}
	}
	var e model.Error
	switch {
	case json.Unmarshal([]byte(text), &e) == nil && e.Message != "":
		d.Err = e.Message
	case status == 0:
		d.Err = failed
	default:
		d.Err = fmt.Sprintf("%s (%d)", failed, status)
	}
}

// Links finds content links of media: signed temporary URLs, fetched
// once and reused for most of their life.
type Links struct {
	REST       *client.REST
	ServiceSID string
	links      map[string]*link
}

type link struct {
	url     string
	fetched time.Time
	loading bool
}

// lifetime is how long a fetched temporary link is used: the server's
// last five minutes.
const lifetime = 4 * time.Minute

// Keep remembers a link already at hand (an uploaded picture's preview).
func (l *Links) Keep(sid, url string) {
	if l.links == nil {
		l.links = map[string]*link{}
	}
	l.links[sid] = &link{url: url, fetched: time.Now().Add(24 * time.Hour)}
}

// URL returns a content URL for media sid, fetching a fresh temporary
// link when it has none or an old one; until then it returns "". The
// fetch's end re-renders through ctx.
func (l *Links) URL(ctx app.Context, sid string) string {
	if l.links == nil {
		l.links = map[string]*link{}
	}
	k := l.links[sid]
	if k != nil && (k.loading || time.Since(k.fetched) < lifetime) {
		return k.url
	}
	if k == nil {
		k = &link{}
		l.links[sid] = k
	}
	k.loading = true
	rest, svc := l.REST, l.ServiceSID
	ctx.Async(func() {
		c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		m, err := rest.Media(c, svc, sid)
		ctx.Dispatch(func(app.Context) {
			// A failure is remembered like a link, so the next render
			// does not ask again at once: render must not loop on a 403.
			k.loading, k.fetched = false, time.Now()
			if err == nil {
				k.url = m.Links["content_direct_temporary"]
			}
		})
	})
	return k.url
}

// viewable are the image types shown as pictures.
var viewable = []string{"image/jpeg", "image/png", "image/gif", "image/webp"}

// Viewable reports whether a content type is shown as a picture.
func Viewable(contentType string) bool { return slices.Contains(viewable, NormalType(contentType)) }

// NormalType folds the browsers' aliases of a content type into the one
// the media service names.
func NormalType(t string) string {
	switch t {
	case "image/jpg", "image/pjpeg":
		return "image/jpeg"
	case "audio/mp3":
		return "audio/mpeg"
	}
	return t
}

// Size writes a file size the way people read it.
func Size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", (n+512)>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// Icons are inline SVG: an emoji needs a font a page may not have.
const (
	PaperclipIcon = `<svg class="icon" aria-hidden="true" viewBox="0 0 24 24" width="22" height="22" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M21 11.5l-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l7.9-7.9"/></svg>`
	DocumentIcon  = `<svg class="icon" aria-hidden="true" viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M14 3H6a1 1 0 0 0-1 1v16a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V8z"/><path d="M14 3v5h5"/></svg>`
)

func newID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Catch takes files dropped on an element inside zone (a CSS selector) or
// pasted into one inside box, and hands them to take on the UI goroutine;
// dragging hears when files hover over the zone. It listens on the
// document, outside go-app's events: go-app runs handlers after the
// browser's own, too late to prevent a drop opening the file, and after
// the clipboard's files are gone. Call the returned func to stop.
func Catch(ctx app.Context, zone, box string, take func(ctx app.Context, files app.Value), dragging func(bool)) func() {
	doc := app.Window().Get("document")
	within := func(e app.Value, sel string) bool {
		t := e.Get("target")
		return t.Truthy() && t.Get("closest").Truthy() && t.Call("closest", sel).Truthy()
	}
	hover := false
	setHover := func(on bool) {
		if hover != on {
			hover = on
			ctx.Dispatch(func(app.Context) { dragging(on) })
		}
	}
	// The files are copied into an array while the event lasts: after it,
	// the browser empties the event's file list.
	hand := func(files app.Value) {
		if files.Truthy() && files.Get("length").Int() > 0 {
			list := app.Window().Get("Array").Call("from", files)
			ctx.Dispatch(func(ctx app.Context) { take(ctx, list) })
		}
	}
	handlers := map[string]app.Func{
		"dragover": app.FuncOf(func(this app.Value, args []app.Value) any {
			if within(args[0], zone) {
				args[0].Call("preventDefault") // lets the drop happen here
				setHover(true)
			}
			return nil
		}),
		"dragleave": app.FuncOf(func(this app.Value, args []app.Value) any {
			if next := args[0].Get("relatedTarget"); !next.Truthy() || !next.Call("closest", zone).Truthy() {
				setHover(false)
			}
			return nil
		}),
		"drop": app.FuncOf(func(this app.Value, args []app.Value) any {
			setHover(false)
			if e := args[0]; within(e, zone) {
				e.Call("preventDefault") // keeps the browser from opening the file
				hand(e.Get("dataTransfer").Get("files"))
			}
			return nil
		}),
		"paste": app.FuncOf(func(this app.Value, args []app.Value) any {
			e := args[0]
			if files := e.Get("clipboardData").Get("files"); within(e, box) && files.Truthy() && files.Get("length").Int() > 0 {
				e.Call("preventDefault") // the file, not its name as text
				hand(files)
			}
			return nil
		}),
	}
	for name, fn := range handlers {
		doc.Call("addEventListener", name, fn)
	}
	return func() {
		for name, fn := range handlers {
			doc.Call("removeEventListener", name, fn)
			fn.Release()
		}
	}
}

// Take returns the uploaded drafts as a message's media, keeping their
// previews as the pictures' links; ok is false while any still uploads,
// and then nothing is taken. Refused drafts are dropped.
func (l *Links) Take(drafts []*Draft) (media []model.Media, ok bool) {
	for _, d := range drafts {
		if d.Uploading() {
			return nil, false
		}
	}
	for _, d := range drafts {
		if d.SID != "" {
			media = append(media, d.Media())
			if d.Preview != "" {
				l.Keep(d.SID, d.Preview)
			}
		}
	}
	return media, true
}
