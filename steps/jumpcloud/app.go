package jumpcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"jcaccess/model"
)

// App is an SSO application exactly as JumpCloud sent it. It is secret
// material (config.idpPrivateKey, docs §6): it prints and marshals as
// Redacted, and the client alone sends it back (PUT).
type App struct {
	raw  map[string]json.RawMessage
	view AppView
}

func (App) String() string   { return model.Redacted }
func (App) GoString() string { return model.Redacted }

// MarshalJSON redacts: an App must never reach a session, report or log.
func (App) MarshalJSON() ([]byte, error) { return json.Marshal(model.Redacted) }

// View is the read-only summary of the fields jcaccess checks.
func (a App) View() AppView { return a.view }

// AppView is what jcaccess reads of an application (docs §5): top-level
// fields and config.<key>.value. Absent fields stay zero; the *Set flags
// tell an absent key from an empty value.
type AppView struct {
	ID           string
	Name         string
	DisplayLabel string
	DisplayName  string
	SSOURL       string
	IdPEntityID  string
	SPEntityID   string
	// ACSURLs: JumpCloud supports several ACS URLs (jumpcloud.md §2); the
	// documented value is one string, which becomes one entry.
	ACSURLs []string
	// acsList says config.acsUrl.value is a JSON array: a fix then adds
	// this team's URL to it rather than replace it.
	acsList bool
	// IncludeGroups and GroupsAttributeName are Cloudflare's "Include group
	// attribute" (jumpcloud.md §2; docs §5: documented only in JumpCloud's
	// PowerShell config definition).
	IncludeGroups          bool
	IncludeGroupsSet       bool
	GroupsAttributeName    string
	GroupsAttributeNameSet bool
	// Attributes are the SAML attribute names the app sends, from
	// config.constantAttributes and config.databaseAttributes values.
	Attributes []string
	// AttributesKnown says some attribute list was present to read.
	AttributesKnown bool
}

// field is a config entry: a UI field object whose value is read and
// written (docs §5).
type field struct {
	Value json.RawMessage `json:"value"`
}

// parseApp reads an application answer. The private key, if any, is
// registered with model.Scrub at once, so no later error text or finding
// can carry it.
func parseApp(raw json.RawMessage) (App, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil || top == nil {
		return App{}, fmt.Errorf("an application is not a JSON object")
	}
	a := App{raw: top}
	v := &a.view
	str(top["_id"], &v.ID)
	str(top["name"], &v.Name)
	str(top["displayLabel"], &v.DisplayLabel)
	str(top["displayName"], &v.DisplayName)
	str(top["ssoUrl"], &v.SSOURL)
	cfg := configOf(top)
	val := func(key string) (json.RawMessage, bool) {
		var f field
		if b, ok := cfg[key]; !ok || json.Unmarshal(b, &f) != nil || len(f.Value) == 0 || string(f.Value) == "null" {
			return nil, false
		}
		return f.Value, true
	}
	if b, ok := val("idpEntityId"); ok {
		str(b, &v.IdPEntityID)
	}
	if b, ok := val("spEntityId"); ok {
		str(b, &v.SPEntityID)
	}
	if b, ok := val("acsUrl"); ok {
		var one string
		var many []string
		if json.Unmarshal(b, &one) == nil {
			v.ACSURLs = []string{one}
		} else if json.Unmarshal(b, &many) == nil {
			v.ACSURLs, v.acsList = many, true
		}
	}
	if b, ok := val("includeGroups"); ok {
		v.IncludeGroupsSet = json.Unmarshal(b, &v.IncludeGroups) == nil
	}
	if b, ok := val("groupsAttributeName"); ok {
		v.GroupsAttributeNameSet = json.Unmarshal(b, &v.GroupsAttributeName) == nil
	}
	for _, key := range []string{"constantAttributes", "databaseAttributes"} {
		b, ok := val(key)
		var attrs []struct {
			Name string `json:"name"`
		}
		if ok && json.Unmarshal(b, &attrs) == nil {
			v.AttributesKnown = true
			for _, at := range attrs {
				if at.Name != "" {
					v.Attributes = append(v.Attributes, at.Name)
				}
			}
		}
	}
	if b, ok := val("idpPrivateKey"); ok {
		var key string
		if json.Unmarshal(b, &key) == nil && key != "" {
			rememberKey(key)
		}
	}
	return a, nil
}

func str(b json.RawMessage, into *string) {
	if len(b) > 0 {
		_ = json.Unmarshal(b, into)
	}
}

func configOf(top map[string]json.RawMessage) map[string]json.RawMessage {
	var cfg map[string]json.RawMessage
	_ = json.Unmarshal(top["config"], &cfg)
	return cfg
}

// ListApps returns every SSO application of the organization.
func (c *Client) ListApps(ctx context.Context) ([]App, error) {
	const op = "list SSO applications"
	items, err := c.listV1(ctx, op, "/api/applications", nil)
	if err != nil {
		return nil, err
	}
	out := make([]App, 0, len(items))
	for _, it := range items {
		a, err := parseApp(it)
		if err != nil {
			return nil, unexpected(op, "a list of application objects", nil)
		}
		out = append(out, a)
	}
	return out, nil
}

// GetApp reads one application.
func (c *Client) GetApp(ctx context.Context, id string) (App, error) {
	op := "read SSO application " + id
	raw, err := c.do(ctx, request{op: op, method: "GET", path: "/api/applications/" + url.PathEscape(id)})
	if err != nil {
		return App{}, err
	}
	a, err := parseApp(raw)
	if err != nil {
		return App{}, unexpected(op, "an application object", nil)
	}
	return a, nil
}

// CreateApp sends POST /api/applications with body (shown in the plan:
// it holds no secret) and returns the application JumpCloud made.
func (c *Client) CreateApp(ctx context.Context, body json.RawMessage) (App, error) {
	const op = "create the SSO application"
	raw, err := c.do(ctx, request{op: op, method: "POST", path: "/api/applications", body: body})
	if err != nil {
		return App{}, err
	}
	a, err := parseApp(raw)
	if err != nil || a.view.ID == "" {
		return App{}, unexpected(op, "the new application object (with its _id); look in the console whether it was made before running apply again", nil)
	}
	return a, nil
}

// ConfigChange is what a plan does to one config entry's value. Set
// replaces it. Add appends to the list that is there when the change is
// applied, not the one the plan read, the entries it lacks (a row by its
// name, anything else by its JSON): a row or ACS URL added in the console
// between plan and apply is kept. A plan body shows it as {"value": ...}
// or {"add": [...]}.
type ConfigChange struct {
	Set json.RawMessage   `json:"value,omitempty"`
	Add []json.RawMessage `json:"add,omitempty"`
}

// ConfigPatch is the config changes of a create or an update, keyed by
// config key. Plans carry it; it never holds a secret.
type ConfigPatch map[string]ConfigChange

// lines lists the patch for a person, sorted by key: what to set in the
// console when jcaccess cannot.
func (p ConfigPatch) lines() []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(p)) {
		ch := p[k]
		if ch.Add != nil {
			for _, e := range ch.Add {
				out = append(out, "config."+k+": add "+model.Printable(string(e)))
			}
			continue
		}
		out = append(out, "config."+k+" = "+model.Printable(string(ch.Set)))
	}
	return out
}

// UpdateConfig reads the application, applies the patch to the config it
// read and PUTs the whole object back: PUT replaces ("any fields not
// provided will be reset", docs §6), so everything read, the certificate
// and private key included, goes back unchanged. A key the object lacks
// is added as {"value": ...}.
//
// Whether a GET returns config.idpPrivateKey in clear is unknown (docs
// §11.1). If it does not, writing back what was read would replace the key
// with the mask or nothing, which may reset JumpCloud's signing pair and
// break Cloudflare's trust in the certificate (§6): UpdateConfig then
// sends nothing (signingPairIntact). If the certificate changes all the
// same, the PUT's answer says so, and so does the error returned.
func (c *Client) UpdateConfig(ctx context.Context, id string, patch ConfigPatch) (App, error) {
	op := "update SSO application " + id
	cur, err := c.GetApp(ctx, id)
	if err != nil {
		return App{}, err
	}
	if why := signingPairIntact(cur.raw); why != "" {
		return App{}, &APIError{Op: op, Kind: KindUnexpected, Detail: "nothing was sent: " + why +
			"; since a PUT replaces the whole object, sending it back would reset JumpCloud's signing pair and break Cloudflare's trust in the certificate",
			Hint: "set these values in the console instead (SSO tab), save, and run jcaccess check: " + strings.Join(patch.lines(), "; ")}
	}
	body, err := applyPatch(cur.raw, patch)
	if err != nil {
		return App{}, &APIError{Op: op, Kind: KindUnexpected, Detail: err.Error(), Hint: "nothing was sent"}
	}
	raw, err := c.do(ctx, request{op: op, method: "PUT", path: "/api/applications/" + url.PathEscape(id), body: body})
	if err != nil {
		return App{}, err
	}
	a, err := parseApp(raw)
	if err != nil {
		return App{}, unexpected(op, "the updated application object", nil)
	}
	if before, after := configString(cur.raw, "idpCertificate"), configString(a.raw, "idpCertificate"); before != after {
		return App{}, &APIError{Op: op, Kind: KindUnexpected,
			Detail: "the update was saved, but JumpCloud's signing certificate changed with it (or its answer no longer shows it), and Cloudflare's login method still trusts the old one, so sign-ins fail",
			Hint:   "run jcaccess apply again: it reads the new metadata and gives Cloudflare the new certificate"}
	}
	return a, nil
}

// signingPairIntact says why the object read cannot safely go back in a
// PUT ("" when it can): it holds a certificate, but its private key is
// empty, masked or not PEM.
func signingPairIntact(top map[string]json.RawMessage) string {
	if configString(top, "idpCertificate") == "" {
		return ""
	}
	key := configString(top, "idpPrivateKey")
	switch {
	case key == "":
		return "JumpCloud's answer holds the signing certificate (config.idpCertificate) but no private key (config.idpPrivateKey is empty or absent)"
	case !strings.Contains(key, "-----BEGIN ") || !strings.Contains(key, "PRIVATE KEY-----"):
		// Say nothing of the value itself: it may be the key after all.
		return "JumpCloud's answer holds the signing certificate (config.idpCertificate), but config.idpPrivateKey is not a PEM private key (masked?)"
	}
	return ""
}

// configString is config.<key>.value as a string, "" if absent or not one.
func configString(top map[string]json.RawMessage, key string) string {
	var f field
	var s string
	if json.Unmarshal(configOf(top)[key], &f) == nil {
		_ = json.Unmarshal(f.Value, &s)
	}
	return s
}

// applyPatch returns top with each patched config entry's value set or
// added to; every other byte of every other member is kept as read.
func applyPatch(top map[string]json.RawMessage, patch ConfigPatch) ([]byte, error) {
	cfg := configOf(top)
	if cfg == nil {
		if len(top["config"]) > 0 && string(top["config"]) != "null" {
			return nil, fmt.Errorf("the application's config is not an object")
		}
		cfg = map[string]json.RawMessage{}
	}
	for key, ch := range patch {
		var entry map[string]json.RawMessage
		if b, ok := cfg[key]; ok && !bytes.Equal(b, []byte("null")) {
			if err := json.Unmarshal(b, &entry); err != nil {
				return nil, fmt.Errorf("config.%s is not a field object", key)
			}
		}
		if entry == nil {
			entry = map[string]json.RawMessage{}
		}
		v := ch.Set
		if ch.Add != nil {
			var err error
			if v, err = addEntries(entry["value"], ch.Add); err != nil {
				return nil, fmt.Errorf("config.%s: %w", key, err)
			}
		}
		if len(v) == 0 {
			return nil, fmt.Errorf("config.%s: the change sets no value", key)
		}
		entry["value"] = v
		b, err := json.Marshal(entry)
		if err != nil {
			return nil, err
		}
		cfg[key] = b
	}
	out := make(map[string]json.RawMessage, len(top))
	for k, v := range top {
		out[k] = v
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	out["config"] = b
	return json.Marshal(out)
}

// addEntries appends to the list cur the entries it lacks. No list (absent
// or null) starts empty; a value of another kind (an ACS URL that became
// one string again) means the object changed since the plan.
func addEntries(cur json.RawMessage, add []json.RawMessage) (json.RawMessage, error) {
	var list []json.RawMessage
	if len(cur) > 0 && string(cur) != "null" {
		if err := json.Unmarshal(cur, &list); err != nil {
			return nil, fmt.Errorf("it is no longer a list, as it was when planned; run plan again")
		}
	}
	for _, e := range add {
		if !slices.ContainsFunc(list, func(have json.RawMessage) bool { return sameEntry(have, e) }) {
			list = append(list, e)
		}
	}
	return json.Marshal(list)
}

// sameEntry: two attribute rows are the same when their names are (the
// service provider receives one value per name); other entries when their
// JSON is.
func sameEntry(a, b json.RawMessage) bool {
	var ra, rb struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(a, &ra) == nil && json.Unmarshal(b, &rb) == nil && ra.Name != "" {
		return ra.Name == rb.Name
	}
	var ca, cb bytes.Buffer
	if json.Compact(&ca, a) != nil || json.Compact(&cb, b) != nil {
		return bytes.Equal(a, b)
	}
	return bytes.Equal(ca.Bytes(), cb.Bytes())
}

// rememberKey registers a private key with model.Scrub: whole, and each
// line of it, so an answer or error that echoes it in another layout
// (one line, escaped newlines) is scrubbed too.
func rememberKey(key string) {
	model.NewSecret(key)
	for _, line := range strings.Split(key, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "-----") {
			model.NewSecret(line)
		}
	}
}
