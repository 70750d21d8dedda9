package steps

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"jcaccess/model"
	"jcaccess/steps/cloudflare"
)

// A sign-in is proved from the Cloudflare API alone, the same code against
// Cloudflare and the sandbox: Access creates a Zero Trust user at a person's
// first sign-in, and the identity it last saw for that user names the
// identity provider (docs/reference/cloudflare-api.md §11).

// CodeSignInSeen is the finding that someone signed in through the login
// method: the proof the test step brings, and the jumpcloud-app step's
// evidence.
const CodeSignInSeen = "signin_seen"

// maxIdentityReads bounds the last-seen-identity reads of one check (one
// request per user): the users who signed in most recently are read.
const maxIdentityReads = 20

// identityReaders is how many identity reads run at once.
const identityReaders = 4

// signIn is one person seen signing in through the login method.
type signIn struct {
	user     cloudflare.AccessUser
	identity cloudflare.Identity
}

// checkSignIns looks for people whose last sign-in went through the login
// method idp.
func checkSignIns(ctx context.Context, env *Env, idp *cloudflare.IdP) model.Findings {
	acct := env.inputs().AccountID
	users, more, err := env.CF.AccessUsers(ctx, acct)
	if err != nil {
		return signInReadFailed(err)
	}
	seen, read, err := signInsThrough(ctx, env.CF, acct, idp.ID, users)
	if err != nil {
		return signInReadFailed(err)
	}
	if len(seen) == 0 {
		scope := ""
		if read < len(users) || more {
			scope = fmt.Sprintf(" (among the %d people who signed in most recently)", read)
		}
		return warnf("signin_none", "nobody has signed in through %q yet%s: %s", idp.Name, scope, signInHowTo(env, idp))
	}
	last := seen[0]
	when := "at an unknown time"
	if !last.user.LastSuccessfulLogin.IsZero() {
		when = "on " + last.user.LastSuccessfulLogin.UTC().Format("2006-01-02 15:04 UTC")
	}
	others := ""
	if len(seen) > 1 {
		others = fmt.Sprintf("; %s signed in through it in all", model.Plural(len(seen), "user"))
	}
	email := model.Printable(last.user.Email)
	groups := last.identity.Groups
	switch {
	case groups == nil:
		return append(infof(CodeSignInSeen, "%s signed in through %q %s%s; Cloudflare's answer did not say which groups Access received", email, idp.Name, when, others),
			finding(model.SeverityToConfirm, "signin_groups_unknown", "the groups Access receives are not in Cloudflare's identity answer (the field is not in its API schema): the dashboard's Test button for %q lists them; JumpCloud sends them only with Include group attribute named exactly %s", idp.Name, GroupsAttribute))
	case len(groups) == 0:
		return append(infof(CodeSignInSeen, "%s signed in through %q %s%s; Access received no groups", email, idp.Name, when, others),
			finding(model.SeverityWarning, "signin_no_groups", "%s signed in, but Access received no groups: in JumpCloud's SSO tab, tick Include group attribute and name it exactly %s, then sign in again", email, GroupsAttribute))
	}
	shown := make([]string, len(groups))
	for i, g := range groups {
		shown[i] = model.Printable(g)
	}
	return infof(CodeSignInSeen, "%s signed in through %q %s%s; Access received groups %s", email, idp.Name, when, others, strings.Join(shown, ", "))
}

// signInsThrough reads the last seen identity of the users who signed in
// most recently and returns those whose identity names the login method
// idpID, most recent first, and how many users were read.
func signInsThrough(ctx context.Context, cf *cloudflare.Client, acct, idpID string, users []cloudflare.AccessUser) ([]signIn, int, error) {
	users = slices.Clone(users)
	// Newest first; a user with no sign-in time is read last.
	slices.SortStableFunc(users, func(a, b cloudflare.AccessUser) int {
		return b.LastSuccessfulLogin.Compare(a.LastSuccessfulLogin)
	})
	users = users[:min(len(users), maxIdentityReads)]
	ids := make([]cloudflare.Identity, len(users))
	errs := make([]error, len(users))
	sem := make(chan struct{}, identityReaders)
	var wg sync.WaitGroup
	for i, u := range users {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			ids[i], errs[i] = cf.LastSeenIdentity(ctx, acct, u.ID)
		})
	}
	wg.Wait()
	var seen []signIn
	for i, u := range users {
		if errs[i] != nil {
			if cloudflare.StatusOf(errs[i]) == http.StatusNotFound {
				// The user was deleted, or has no identity yet, since the list.
				continue
			}
			return nil, len(users), errs[i]
		}
		if ids[i].IdPID == idpID {
			seen = append(seen, signIn{user: u, identity: ids[i]})
		}
	}
	slices.SortStableFunc(seen, func(a, b signIn) int {
		return cmp.Compare(b.user.LastSuccessfulLogin.UnixNano(), a.user.LastSuccessfulLogin.UnixNano())
	})
	return seen, len(users), nil
}

// signInReadFailed reports a failed read of who signed in: a missing
// permission says which to add; it blocks nothing.
func signInReadFailed(err error) model.Findings {
	if cloudflare.PermissionMissing(err) {
		return warnf("signin_forbidden", "cannot see who signed in: give the API token %s (dashboard: My Profile > API Tokens > Edit), then check again", cloudflare.PermAuditLogsRead)
	}
	return warnf("signin_read_failed", "cannot see who signed in: %v", err)
}

// signInHowTo says how to sign in and check again.
func signInHowTo(env *Env, idp *cloudflare.IdP) string {
	in := env.inputs()
	how := fmt.Sprintf("open the App Launcher https://%s/ (or the test URL below), choose %q, sign in as a JumpCloud user bound to the app, then check again (r in the wizard, or jcaccess check --team %s)", in.Domain(), idp.Name, in.Team)
	if env.Sandbox != nil {
		how += "; in the sandbox, i signs its JumpCloud user in for you"
	}
	return how
}

// refusedFinding reports the page a sandbox sign-in ended on, if it did not
// end signed in.
func refusedFinding(env *Env) model.Findings {
	env.mu.Lock()
	p := env.refused
	env.mu.Unlock()
	if p == nil {
		return nil
	}
	msg := fmt.Sprintf("%s did not get in: the browser ended on %s, showing: %s", model.Printable(p.Person), model.Printable(p.URL), model.Printable(p.Text))
	if strings.Contains(p.Text, cfRequiredAttrsMissing) {
		msg += ". " + missingAttrsAdvice(env.inputs().IdP)
	}
	return errorf("signin_refused", "%s", msg)
}

// cfRequiredAttrsMissing is the error Access shows when the assertion lacks
// the email attribute or one the login method lists (Cloudflare's
// troubleshooting page, docs/reference/jumpcloud.md §2 "What Access needs in
// the assertion"). Access does not say which attribute was missing, so
// missingAttrsAdvice names every one it reads.
const cfRequiredAttrsMissing = "Required attributes are missing"

// missingAttrsAdvice says what to check in JumpCloud's SSO tab when Access
// finds attributes missing: the attributes follow the login method's
// settings, as the jumpcloud-app step's values do (Values in
// jumpcloud_app.go).
func missingAttrsAdvice(idp model.IdPInputs) string {
	email := idp.EmailAttribute()
	checks := []string{fmt.Sprintf("a User Attribute Mapping row named exactly %s with the value email (Access reads the email from that attribute, idp.email_attribute_name, not from the NameID), and SAMLSubject NameID email", email)}
	if others := mappedAttributes(idp); len(others) > 0 {
		checks = append(checks, fmt.Sprintf("a User Attribute Mapping row for each of %s (idp.attributes lists them, and Access refuses a sign-in that lacks any)", strings.Join(others, ", ")))
	}
	if slices.Contains(idp.Attributes, GroupsAttribute) {
		checks = append(checks, "Include group attribute ticked and named exactly groups, with the person in at least one user group bound to the app (idp.attributes lists groups; whether JumpCloud sends the attribute for a person in no group is not documented)")
	}
	return "Access does not say which attribute is missing; in JumpCloud's SSO tab for the app, check: " + strings.Join(checks, "; ")
}

// ErrNoSignIn means there is no login method to sign in through yet, or no
// sandbox person to do it.
var ErrNoSignIn = errors.New("nothing to sign in through: the login method must exist first (cloudflare-idp step), and only the sandbox can sign a person in")

// SignIn has the sandbox's person sign in through the login method from the
// App Launcher, as at a browser. The page the browser ended on is kept when
// it is not signed in, for the test step to report (signin_refused); the
// caller then checks the test step again, which reads the outcome from the
// Cloudflare API.
func (f *Flow) SignIn(ctx context.Context) (model.BrowserPage, error) {
	if err := f.acquire(ctx); err != nil {
		return model.BrowserPage{}, err
	}
	defer f.release()
	env := f.env
	idp := env.ExistingIdP()
	if env.Sandbox == nil || idp == nil {
		return model.BrowserPage{}, ErrNoSignIn
	}
	sctx, cancel := context.WithTimeout(ctx, max(env.checkTimeout(), 30*time.Second))
	defer cancel()
	page, err := env.Sandbox.SignIn(sctx, idp.Name)
	if err != nil {
		return page, err
	}
	env.mu.Lock()
	env.refused = nil
	if !page.SignedIn {
		env.refused = &page
	}
	env.mu.Unlock()
	return page, nil
}
