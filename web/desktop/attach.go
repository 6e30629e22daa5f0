package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/realtime"
	"parley/web/attach"
	"parley/web/desktop/desk"
)

// pickFiles takes files from the file picker, a drop or a paste and
// starts uploading them for the chat in front of the agent. The server
// checks size and type against its policy and says what is wrong.
func (d *Desktop) pickFiles(ctx app.Context, files app.Value) {
	c := d.m.ActiveChat()
	if c == nil || c.Status != desk.Accepted || !files.Truthy() || d.links.ServiceSID == "" {
		return
	}
	conv := c.Attrs.ConversationSID
	if d.drafts == nil {
		d.drafts = map[string][]*attach.Draft{}
	}
	d.attachErr = ""
	var refused []string
	for i := range files.Get("length").Int() {
		f := files.Index(i)
		name, size := f.Get("name").String(), int64(f.Get("size").Float())
		switch {
		case len(d.drafts[conv]) >= realtime.MaxMediaPerSend:
			refused = append(refused, fmt.Sprintf("A message carries at most %d files.", realtime.MaxMediaPerSend))
		case size == 0:
			refused = append(refused, fmt.Sprintf("%s is empty.", name))
		default:
			draft := attach.NewDraft(f)
			d.drafts[conv] = append(d.drafts[conv], draft)
			attach.Upload(d.ctx, d.origin, d.links.ServiceSID, d.token(), draft, f, "The upload failed; check the connection and try again")
		}
	}
	d.attachErr = strings.Join(slices.Compact(refused), " ")
}

// takeDrafts returns the chat's uploaded files for the next message and
// clears them; ok is false while any still uploads.
func (d *Desktop) takeDrafts(conv string) (sids []string, ok bool) {
	media, ok := d.links.Take(d.drafts[conv])
	if !ok {
		return nil, false
	}
	for _, m := range media {
		sids = append(sids, m.SID)
	}
	delete(d.drafts, conv)
	return sids, true
}

// removeDraft drops a file from the chat's next message (its upload is
// already stopped).
func (d *Desktop) removeDraft(r draftRef) {
	d.drafts[r.Conv] = slices.DeleteFunc(d.drafts[r.Conv], func(x *attach.Draft) bool { return x.ID == r.ID })
}

// deskWords are what the desk's file views say.
var deskWords = attach.Words{Attachment: "attachment", ViewImage: "View %s", Uploading: "Uploading %s", Remove: "Remove",
	RemoveFile: "Remove %s", Drafts: "Files to send", Download: "Download", Close: "Close"}

// fileViewer shows one picture over the desk; closing it sends actClose.
type fileViewer struct {
	app.Compo

	Isrc, Iname string

	ctx app.Context
}

func newFileViewer() *fileViewer { return &fileViewer{} }

// File is the picture's link and name.
func (v *fileViewer) File(src, name string) *fileViewer { v.Isrc, v.Iname = src, name; return v }

// OnMount keeps the context closing sends through.
func (v *fileViewer) OnMount(ctx app.Context) { v.ctx = ctx }

// Render draws the picture.
func (v *fileViewer) Render() app.UI {
	return attach.Viewer(v.Isrc, v.Iname, deskWords, func() { v.ctx.NewActionWithValue(actClose, dialogViewer) })
}
