package httpapi

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"parley/server/apperr"
	"parley/server/media"
	"parley/server/render"
)

// The media content service, at Twilio's paths:
//
//	POST   /mcs/v1/Services/{ChatServiceSid}/Media              upload (raw body, or multipart with a file part)
//	GET    /mcs/v1/Services/{ChatServiceSid}/Media/{sid}        metadata, with a fresh temporary link
//	GET    /mcs/v1/Services/{ChatServiceSid}/Media/{sid}/Content the bytes (ranges allowed)
//	DELETE /mcs/v1/Services/{ChatServiceSid}/Media/{sid}        an unattached upload
//
// It sits outside the API's handler: uploads are bounded by the media
// policy, not the API's body limit, and a temporary content link carries a
// signature instead of credentials.

// multipartSlack is what a multipart upload may carry beyond its file:
// boundaries, part headers and small fields.
const multipartSlack = 64 << 10

// Media serves the media content service.
func (a *API) Media() http.Handler {
	mux := http.NewServeMux()
	const base = "/mcs/v1/Services/{svc}/Media"
	handle := func(pattern string, h func(w http.ResponseWriter, r *http.Request) error) {
		a.handleFunc(mux, pattern, func(w http.ResponseWriter, r *http.Request) {
			if svc := r.PathValue("svc"); svc != a.media.ServiceSID() {
				a.writeError(w, r, apperr.NotFoundf("The requested resource Service %s was not found", svc))
				return
			}
			if err := h(w, r); err != nil {
				a.writeError(w, r, err)
			}
		})
	}
	handle("POST "+base, a.uploadMedia)
	handle("GET "+base+"/{sid}", a.getMedia)
	handle("DELETE "+base+"/{sid}", a.deleteMedia)
	handle("GET "+base+"/{sid}/Content", a.mediaContent)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern == "" {
			a.noRouteIn(mux, w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// mediaReader authenticates a media request as the account or an identity.
func (a *API) mediaReader(r *http.Request) (media.Reader, caller, error) {
	c, err := a.authenticate(r)
	if err != nil {
		return media.Reader{}, c, err
	}
	return media.Reader{Account: c.identity == "", Identity: c.identity}, c, nil
}

// uploadPolicy is the policy for c's uploads: a guest's deployment's, or
// the server's.
func (a *API) uploadPolicy(ctx context.Context, c caller) (media.Policy, error) {
	if c.deployment == "" {
		return a.policy, nil
	}
	d, err := a.webchat.Deployment(ctx, c.deployment)
	if err != nil {
		return media.Policy{}, err
	}
	return d.Attachments, nil
}

func (a *API) uploadMedia(w http.ResponseWriter, r *http.Request) error {
	_, c, err := a.mediaReader(r)
	if err != nil {
		return err
	}
	policy, err := a.uploadPolicy(r.Context(), c)
	if err != nil {
		return err
	}
	up, err := readUpload(w, r, policy.MaxBytes)
	if err != nil {
		return err
	}
	up.Author = c.identity
	m, err := a.media.Upload(r.Context(), policy, up)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a.renderMedia(m))
	return nil
}

// readUpload finds the file in a request: the raw body, or the first file
// part of a multipart form. Nothing is buffered: the body streams on.
func readUpload(w http.ResponseWriter, r *http.Request, max int64) (media.Upload, error) {
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil {
		return media.Upload{}, apperr.New(apperr.Unsupported, apperr.CodeUnsupportedMedia,
			"Send the file as the request body with its Content-Type, or as multipart/form-data with a file part")
	}
	if mt != "multipart/form-data" {
		name := r.URL.Query().Get("Filename")
		if _, dp, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil && name == "" {
			name = dp["filename"]
		}
		return media.Upload{Filename: name, DeclaredType: ct, DeclaredSize: r.ContentLength,
			Body: bounded(w, r.Body, max+1, max)}, nil
	}
	if r.ContentLength > max+multipartSlack {
		return media.Upload{}, media.TooLarge(max)
	}
	if params["boundary"] == "" {
		return media.Upload{}, apperr.Invalidf(apperr.CodeBadRequest, "multipart/form-data needs a boundary parameter")
	}
	mr := multipart.NewReader(bounded(w, r.Body, max+multipartSlack, max), params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return media.Upload{}, apperr.Invalidf(apperr.CodeBadRequest, "The form has no file part; add the file as a part with a filename")
		}
		if err != nil {
			return media.Upload{}, apperr.Invalidf(apperr.CodeBadRequest, "Malformed multipart form: %v", err)
		}
		if part.FileName() == "" && part.FormName() != "Media" && part.FormName() != "file" {
			continue // a plain field: skip it
		}
		return media.Upload{Filename: part.FileName(), DeclaredType: part.Header.Get("Content-Type"),
			DeclaredSize: -1, Body: part}, nil
	}
}

// bounded stops a body at limit bytes, reporting it as a file over max:
// the connection is not read on past what no policy would take.
func bounded(w http.ResponseWriter, body io.ReadCloser, limit, max int64) io.Reader {
	return overLimit{r: http.MaxBytesReader(w, body, limit), max: max}
}

type overLimit struct {
	r   io.Reader
	max int64
}

func (o overLimit) Read(p []byte) (int, error) {
	n, err := o.r.Read(p)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		err = media.TooLarge(o.max)
	}
	return n, err
}

func (a *API) getMedia(w http.ResponseWriter, r *http.Request) error {
	reader, _, err := a.mediaReader(r)
	if err != nil {
		return err
	}
	m, err := a.media.Get(r.Context(), reader, r.PathValue("sid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.renderMedia(m))
	return nil
}

func (a *API) renderMedia(m media.Media) any {
	return a.render.Media(m, a.media.TemporaryURL(render.MediaPath(m.ServiceSID, m.SID)+"/Content", m))
}

func (a *API) deleteMedia(w http.ResponseWriter, r *http.Request) error {
	reader, _, err := a.mediaReader(r)
	if err != nil {
		return err
	}
	if err := a.media.Delete(r.Context(), reader, r.PathValue("sid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// inline are the types a browser may show in place; everything else is
// offered as a download.
var inline = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true,
	"application/pdf": true, "text/plain": true, "audio/mpeg": true, "video/mp4": true}

func (a *API) mediaContent(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var m media.Media
	cache := "private, max-age=3600"
	if sig := q.Get("Signature"); sig != "" {
		if err := a.media.CheckSignature(r.PathValue("sid"), q.Get("Expires"), sig); err != nil {
			return err
		}
		var err error
		if m, err = a.media.Get(r.Context(), media.Reader{Account: true}, r.PathValue("sid")); err != nil {
			return err
		}
		exp, _ := strconv.ParseInt(q.Get("Expires"), 10, 64)
		cache = "private, max-age=" + strconv.FormatInt(max(0, exp-time.Now().Unix()), 10)
	} else {
		reader, _, err := a.mediaReader(r)
		if err != nil {
			return err
		}
		if m, err = a.media.Get(r.Context(), reader, r.PathValue("sid")); err != nil {
			return err
		}
	}
	f, err := a.media.Open(r.Context(), m)
	if err != nil {
		return err
	}
	defer f.Close()
	h := w.Header()
	ct := m.ContentType
	if strings.HasPrefix(ct, "text/") {
		ct += "; charset=utf-8"
	}
	disposition := "attachment"
	if inline[m.ContentType] {
		disposition = "inline"
	}
	if d := mime.FormatMediaType(disposition, map[string]string{"filename": m.Filename}); m.Filename != "" && d != "" {
		disposition = d
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", disposition)
	// Types are sniffed on upload, and nothing is ever interpreted as a
	// page: no scripts, no frames, no guessing.
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'")
	h.Set("Cache-Control", cache)
	h.Set("ETag", `"`+m.Hash+`"`)
	http.ServeContent(w, r, "", m.Created, f)
	return nil
}
