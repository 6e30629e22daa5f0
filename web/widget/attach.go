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
			refused = append(refused, fmt.Sprintf(w.t.TooBig, name, attach.Size(policy.MaxBytes)))
		case size == 0:
			refused = append(refused, fmt.Sprintf(w.t.EmptyFile, name))
		case typ != "" && !slices.Contains(policy.AllowedTypes, attach.NormalType(typ)):
			refused = append(refused, fmt.Sprintf(w.t.NotAllowed, name))
		default:
			d := attach.NewDraft(f)
			w.drafts = append(w.drafts, d)
			attach.Upload(w.ctx, w.origin, w.links.ServiceSID, w.token(), d, f, w.t.UploadFailed)
		}
	}
	w.attachErr = strings.Join(slices.Compact(refused), " ")
}

// takeDrafts returns the uploaded drafts as a message's media and clears
// them. Refused drafts are dropped; ok is false while any still uploads.
func (w *Widget) takeDrafts() (media []model.Media, ok bool) {
	if media, ok = w.links.Take(w.drafts); ok {
		w.drafts = nil
	}
	return media, ok
}

func (w *Widget) onFileInput(ctx app.Context, e app.Event) {
	input := ctx.JSSrc()
	w.pickFiles(ctx, input.Get("files"))
	input.Set("value", "") // picking the same file again fires change again
}

// words are the file views' words in the visitor's language.
func (w *Widget) words() attach.Words {
	return attach.Words{Attachment: w.t.Attachment, ViewImage: w.t.ViewImage, Uploading: w.t.Uploading, Remove: w.t.Remove,
		RemoveFile: w.t.RemoveFile, Drafts: w.t.Attachments, Download: w.t.Download, Close: w.t.Close}
}

// attachments renders a message's files.
func (w *Widget) attachments(media []model.Media) app.UI {
	return attach.Files(w.ctx, &w.links, media, w.words(), func(src, name string) { w.viewer, w.viewerName = src, name })
}

// draftsView renders the files waiting to go with the next message.
func (w *Widget) draftsView() app.UI {
	return attach.Drafts(w.drafts, w.words(), func(d *attach.Draft) {
		w.drafts = slices.DeleteFunc(w.drafts, func(x *attach.Draft) bool { return x == d })
		focus("composer")
	})
}

// viewerView shows one picture over the chat.
func (w *Widget) viewerView() app.UI {
	return attach.Viewer(w.viewer, w.viewerName, w.words(), func() { w.viewer = "" })
}
