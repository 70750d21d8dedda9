package cloudflare

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"jcaccess/model"
)

// APIError is a failed call, told the way an admin can act on it.
type APIError struct {
	Op     string // what jcaccess was doing, e.g. "list identity providers"
	Status int    // HTTP status, 0 when no answer came
	Codes  []int  // Cloudflare error codes
	Detail string // Cloudflare's own messages, joined
	Hint   string // what to do
	err    error
}

// Error is scrubbed of every secret the process holds, any credentials and
// URL passwords (model.Scrub): Cloudflare's messages, or a proxy's, may echo
// the request's Authorization header.
func (e *APIError) Error() string {
	return model.Scrub(e.text())
}

func (e *APIError) text() string {
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteString(": ")
	switch {
	case e.Status != 0:
		fmt.Fprintf(&b, "Cloudflare answered %d %s", e.Status, http.StatusText(e.Status))
		if e.Detail != "" {
			fmt.Fprintf(&b, " (%s)", e.Detail)
		}
	case e.err != nil:
		b.WriteString(e.err.Error())
	}
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

func (e *APIError) Unwrap() error { return e.err }

// StatusOf returns the HTTP status of a failed call, 0 if there was none.
func StatusOf(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	var se *statusError
	if errors.As(err, &se) {
		return se.status
	}
	return 0
}

// statusError is an answer other than 2xx, with the errors Cloudflare's
// envelope lists.
type statusError struct {
	status   int
	location string // where a 3xx answer pointed
	errors   []struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
}

func newStatusError(status int, body []byte) *statusError {
	se := &statusError{status: status}
	var env struct {
		Errors *[]struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	env.Errors = &se.errors
	// A body that is not Cloudflare's envelope (a proxy's HTML page) still
	// leaves the status, which is what the hints go by.
	_ = json.Unmarshal(body, &env)
	return se
}

func (e *statusError) Error() string {
	return model.Scrub(fmt.Sprintf("Cloudflare answered %d %s", e.status, http.StatusText(e.status)))
}

// wrap turns a failed request into an APIError. It never includes request
// headers, so the token cannot leak through an error message.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	ae := &APIError{Op: op, err: err}
	var se *statusError
	if errors.As(err, &se) {
		ae.Status = se.status
		var msgs []string
		for _, e := range se.errors {
			ae.Codes = append(ae.Codes, int(e.Code))
			msgs = append(msgs, fmt.Sprintf("%d: %s", e.Code, e.Message))
		}
		ae.Detail = strings.Join(msgs, "; ")
		if se.location != "" {
			ae.Detail = "a redirect to " + se.location
		}
		ae.err = nil // its text repeats the URL and body; ours says it better
	}
	switch {
	case errors.Is(err, ErrReadOnly):
		ae.err = err
	case errors.Is(err, context.DeadlineExceeded):
		ae.Hint = "no answer in time; check your network (or proxy) and try again"
	case errors.Is(err, context.Canceled):
		ae.Hint = "cancelled"
	case ae.Status >= 300 && ae.Status < 400:
		ae.Hint = "jcaccess follows no redirect, so the API token goes nowhere else; set CLOUDFLARE_BASE_URL to the API itself (or unset it for " + DefaultBaseURL + ")"
	case ae.Status == http.StatusUnauthorized:
		ae.Hint = "the API token is not valid (wrong, expired or revoked); create one in the Cloudflare dashboard (My Profile > API Tokens) and set CLOUDFLARE_API_TOKEN"
	case ae.Status == http.StatusForbidden:
		ae.Hint = "the API token lacks a permission: give it " + PermAccessWrite + " on this account (dashboard: My Profile > API Tokens > Edit)"
		if strings.Contains(op, "SCIM update logs") {
			ae.Hint = "the API token lacks a permission: give it " + PermSCIMLogsRead + " to let jcaccess read the SCIM logs"
		}
	case ae.Status == http.StatusNotFound:
		ae.Hint = "not found: check the account ID (CLOUDFLARE_ACCOUNT_ID or account_id) and that the identity provider was not deleted in the dashboard"
	case ae.Status == http.StatusTooManyRequests:
		ae.Hint = "Cloudflare's rate limit (1200 requests per 5 minutes) was hit; wait a few minutes and run again"
	case ae.Status >= 500:
		ae.Hint = "Cloudflare had a problem; run again in a minute (nothing half-done is left: a re-run picks up where this stopped)"
	case ae.Status == 0:
		ae.Hint = "could not reach the Cloudflare API; check the network, a proxy, or CLOUDFLARE_BASE_URL"
	}
	return ae
}

// Transient reports whether a failed call may succeed if made again: no
// answer came (a transport failure or a lost answer, not a cancellation nor
// a refusal by jcaccess itself), or Cloudflare answered 408, 429 or 5xx.
// The caller checks its own context before trying again.
func Transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	switch s := StatusOf(err); {
	case s == 0:
		var ne net.Error
		return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) ||
			errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
	case s == http.StatusRequestTimeout, s == http.StatusTooManyRequests, s >= 500:
		return true
	}
	return false
}
