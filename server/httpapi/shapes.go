package httpapi

import (
	"net/http"

	"parley/server/paging"
)

// Most handlers have one of four shapes: create or update from a form,
// fetch one, list a page, delete. These build them, so a resource's routes
// say only what differs: which parameters, which service call, which
// rendering.

type handler = func(w http.ResponseWriter, r *http.Request) error

// formCall reads a form into parameters, calls the service and renders
// what it returns with status.
func formCall[P, V, W any](read func(*reader) P, call func(*http.Request, P) (V, error), render func(V) W, status int) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := parseForm(r)
		if err != nil {
			return err
		}
		in, err := readParams(p, read)
		if err != nil {
			return err
		}
		v, err := call(r, in)
		if err != nil {
			return err
		}
		writeJSON(w, status, render(v))
		return nil
	}
}

// fetchCall renders one resource.
func fetchCall[V, W any](call func(*http.Request) (V, error), render func(V) W) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		v, err := call(r)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, render(v))
		return nil
	}
}

// listCall renders a page of a list under key, its filters read from the
// query and repeated in its links.
func listCall[F, V, W any](filters []string, read func(*reader) F, call func(*http.Request, F, paging.Request) (paging.Page[V], error),
	a *API, key string, keyOf func(V) int64, render func(V) W,
) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := parseForm(r)
		if err != nil {
			return err
		}
		req, err := readPage(p, filters...)
		if err != nil {
			return err
		}
		f, err := readParams(p, read)
		if err != nil {
			return err
		}
		page, err := call(r, f, req.Request)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, pageOf(a, r.URL.Path, req, key, page, keyOf, render))
		return nil
	}
}

// deleteCall answers 204 once the service has deleted.
func deleteCall(call func(*http.Request) error) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := call(r); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
