package model

// BrowserPage is where a browser ended after a sign-in driven by the sandbox:
// what a person at the screen would see. It lives here because both the
// engine (which reports it) and the sandbox (which drives the browser) need
// it, and the sandbox must not import the engine. It says nothing of what
// Access recorded: the engine learns that from the Cloudflare API only.
type BrowserPage struct {
	// Person is the JumpCloud user who signed in.
	Person string `json:"person"`
	// URL is the address the browser ended on.
	URL string `json:"url"`
	// Text is the page's visible text, made printable (Printable).
	Text string `json:"text"`
	// SignedIn says the browser ended on the App Launcher, signed in.
	SignedIn bool `json:"signed_in"`
}
