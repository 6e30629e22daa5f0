package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/model"
	"parley/shared/realtime"
	"parley/web/attach"
)

// pickFiles takes files from the file picker, a drop or a paste and
// starts uploading them for the chat in front of the agent. The server
// checks size and type against its policy and says what is wrong.
func (d *Desktop) pickFiles(ctx app.Context, files app.Value) {
	c := d.chat(d.active)
	if c == nil || c.Status != "accepted" || !files.Truthy() || d.links.ServiceSID == "" {
		return
	}
	d.attachErr = ""
	var refused []string
	for i := range files.Get("length").Int() {
		f := files.Index(i)
		name, size := f.Get("name").String(), int64(f.Get("size").Float())
		switch {
		case len(c.Drafts) >= realtime.MaxMediaPerSend:
			refused = append(refused, fmt.Sprintf("A message carries at most %d files.", realtime.MaxMediaPerSend))
		case size == 0:
			refused = append(refused, fmt.Sprintf("%s is empty.", name))
		default:
			draft := attach.NewDraft(f)
			c.Drafts = append(c.Drafts, draft)
			attach.Upload(d.ctx, d.origin, d.links.ServiceSID, d.token(), draft, f, "The upload failed; check the connection and try again")
		}
	}
	d.attachErr = strings.Join(slices.Compact(refused), " ")
}

// takeDrafts returns the chat's uploaded files for the next message and
// clears them; ok is false while any still uploads.
func (d *Desktop) takeDrafts(c *Chat) (sids []string, ok bool) {
	media, ok := d.links.Take(c.Drafts)
	if !ok {
		return nil, false
	}
	for _, m := range media {
		sids = append(sids, m.SID)
	}
	c.Drafts = nil
	return sids, true
}

func (d *Desktop) onFileInput(ctx app.Context, e app.Event) {
	input := ctx.JSSrc()
	d.pickFiles(ctx, input.Get("files"))
	input.Set("value", "") // picking the same file again fires change again
}

// deskWords are what the desk's file views say.
var deskWords = attach.Words{Attachment: "attachment", ViewImage: "View %s", Uploading: "Uploading %s", Remove: "Remove",
	RemoveFile: "Remove %s", Drafts: "Files to send", Download: "Download", Close: "Close"}

// attachments renders a message's files.
func (d *Desktop) attachments(media []model.Media) app.UI {
	return attach.Files(d.ctx, &d.links, media, deskWords, func(src, name string) { d.viewer, d.viewerName = src, name })
}

// draftsView renders the files waiting to go with the chat's next message.
func (d *Desktop) draftsView(c *Chat) app.UI {
	return attach.Drafts(c.Drafts, deskWords, func(f *attach.Draft) {
		c.Drafts = slices.DeleteFunc(c.Drafts, func(x *attach.Draft) bool { return x == f })
	})
}

// viewerView shows one picture over the desk.
func (d *Desktop) viewerView() app.UI {
	return attach.Viewer(d.viewer, d.viewerName, deskWords, func() { d.viewer = "" })
}
