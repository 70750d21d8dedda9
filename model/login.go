package model

// LoginResult is what the Access callback received from a test login. It
// lives here because both the engine (which judges it) and the sandbox
// (which produces it) need it, and the sandbox must not import the engine.
type LoginResult struct {
	Email  string   `json:"email"`
	Groups []string `json:"groups"`
	Error  string   `json:"error,omitempty"` // the error page's text when the login failed
}
