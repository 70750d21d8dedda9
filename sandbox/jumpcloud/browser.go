package jumpcloud

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// BrowserLogin opens startURL (e.g. the team domain's test-idp URL), follows
// the redirect to the IdP, signs in as email with the sandbox password,
// submits the auto-posting SAMLResponse form to the ACS URL, and returns the
// final page's status and visible text. hc must trust both servers (TLS).
//
// It understands the pages of this package and of the sandbox's Cloudflare:
// it fills a form with a password field (once), submits a form carrying a
// SAMLResponse or SAMLRequest, and stops at the first page with neither. A
// page that ends the flow early (JumpCloud's access-denied page, a login
// failure, an error) is returned like any final page; err is only for
// transport failures and unusable pages.
func BrowserLogin(ctx context.Context, hc *http.Client, startURL, email string) (status int, text string, err error) {
	p, err := BrowserSignIn(ctx, hc, startURL, email, "")
	return p.Status, p.Text, err
}

// Page is where a browser ended.
type Page struct {
	Status int
	URL    *url.URL
	Text   string // visible text, markup removed
}

// BrowserSignIn is BrowserLogin for a person who also chooses: on a page
// offering several forms (Access's login page lists its login methods as
// buttons), it submits, once, the form whose visible label is choose, as a
// person clicks the button named after the login method. With no such form
// the page is where the browser ends.
func BrowserSignIn(ctx context.Context, hc *http.Client, startURL, email, choose string) (Page, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	c := *hc
	if c.Jar == nil {
		c.Jar, _ = cookiejar.New(nil)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, startURL, nil)
	if err != nil {
		return Page{}, err
	}
	chosen := false
	loggedIn := false
	for step := 0; step < 10; step++ {
		status, page, final, err := fetch(&c, req)
		if err != nil {
			return Page{}, err
		}
		ended := Page{Status: status, URL: final, Text: visibleText(page)}
		f := findForm(page)
		picked := false
		if !chosen {
			if choice := chooseForm(page, choose); choice != nil {
				chosen, picked, f = true, true, choice
			}
		}
		switch {
		case f == nil:
			return ended, nil
		case picked:
			// The person's choice, submitted as it is.
		case f.has("password"):
			if loggedIn {
				// The login form again: the credentials were refused.
				return ended, nil
			}
			loggedIn = true
			f.values.Set("email", email)
			f.values.Set("password", SandboxPassword)
		case f.has("SAMLResponse"), f.has("SAMLRequest"):
		default:
			return ended, nil
		}
		action, err := final.Parse(f.action)
		if err != nil {
			return Page{}, fmt.Errorf("jumpcloud: form action %q: %w", f.action, err)
		}
		method := strings.ToUpper(f.method)
		if method == "" {
			method = http.MethodGet
		}
		if method == http.MethodGet {
			action.RawQuery = f.values.Encode()
			req, err = http.NewRequestWithContext(ctx, http.MethodGet, action.String(), nil)
		} else {
			req, err = http.NewRequestWithContext(ctx, method, action.String(), strings.NewReader(f.values.Encode()))
			if err == nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
		}
		if err != nil {
			return Page{}, err
		}
	}
	return Page{}, errors.New("jumpcloud: BrowserLogin: too many steps")
}

// fetch sends req (following redirects) and returns the final page and URL.
func fetch(c *http.Client, req *http.Request) (int, string, *url.URL, error) {
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return 0, "", nil, err
	}
	return resp.StatusCode, string(body), resp.Request.URL, nil
}

type htmlForm struct {
	action, method string
	values         url.Values
	fields         map[string]bool
}

func (f *htmlForm) has(name string) bool { return f.fields[name] }

var (
	formPattern  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?is)<form\b([^>]*)>(.*?)</form>`) })
	inputPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?is)<input\b([^>]*)>`) })
	attrPattern  = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?is)([a-z_:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))`)
	})
)

func attrs(s string) map[string]string {
	out := map[string]string{}
	for _, m := range attrPattern().FindAllStringSubmatch(s, -1) {
		out[strings.ToLower(m[1])] = html.UnescapeString(m[2] + m[3] + m[4])
	}
	return out
}

// findForm returns the first form of page, or nil.
func findForm(page string) *htmlForm {
	m := formPattern().FindStringSubmatch(page)
	if m == nil {
		return nil
	}
	return parseForm(m)
}

// chooseForm returns the form of page whose visible label (its button's
// text) is choose, or nil; "" chooses nothing.
func chooseForm(page, choose string) *htmlForm {
	if choose == "" {
		return nil
	}
	for _, m := range formPattern().FindAllStringSubmatch(page, -1) {
		if visibleText(m[2]) == choose {
			return parseForm(m)
		}
	}
	return nil
}

// parseForm reads one match of formPattern.
func parseForm(m []string) *htmlForm {
	fa := attrs(m[1])
	f := &htmlForm{action: fa["action"], method: fa["method"], values: url.Values{}, fields: map[string]bool{}}
	for _, in := range inputPattern().FindAllStringSubmatch(m[2], -1) {
		a := attrs(in[1])
		name := a["name"]
		if name == "" {
			continue
		}
		f.fields[name] = true
		if strings.EqualFold(a["type"], "password") {
			f.fields["password"] = true
		}
		f.values.Set(name, a["value"])
	}
	return f
}

var (
	scriptPattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?is)<script\b.*?</script>|<style\b.*?</style>|<title\b.*?</title>`)
	})
	tagPattern   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?s)<[^>]*>`) })
	spacePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\s+`) })
)

// visibleText returns the text of an HTML page without markup, scripts and
// styles, whitespace collapsed.
func visibleText(page string) string {
	s := scriptPattern().ReplaceAllString(page, " ")
	s = tagPattern().ReplaceAllString(s, " ")
	s = html.UnescapeString(s)
	return strings.TrimSpace(spacePattern().ReplaceAllString(s, " "))
}
