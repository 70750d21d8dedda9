package jumpcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
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
	// IncludeGroups and GroupsAttributeName are Cloudflare's "Include group
	// attribute" (jumpcloud.md §2; docs §5: documented only in JumpCloud's
	// PowerShell config definition).
	IncludeGroups          bool
	IncludeGroupsSet       bool
	GroupsAttributeName    string
	GroupsAttributeNameSet bool
	// SubjectField and NameIDFormat are the NameID settings (config
	// subjectField and overrideNameIdFormat), when present.
	SubjectField string
	NameIDFormat string
	// Attributes are the SAML attribute names the app sends, from
	// config.constantAttributes and config.databaseAttributes values.
	Attributes []string
	// AttributesKnown says some attribute list was present to read.
	AttributesKnown bool
	// DatabaseAttributes are config.databaseAttributes.value's rows as
	// read, kept whole so a fix adds a row without losing any.
	DatabaseAttributes []json.RawMessage
	// HasPrivateKey says config.idpPrivateKey holds a value.
	HasPrivateKey bool
	// Organization is the top-level organization field (its meaning is
	// [U] in docs §5: probably the org ID).
	Organization string
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
	str(top["organization"], &v.Organization)
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
			v.ACSURLs = many
		}
	}
	if b, ok := val("includeGroups"); ok {
		v.IncludeGroupsSet = json.Unmarshal(b, &v.IncludeGroups) == nil
	}
	if b, ok := val("groupsAttributeName"); ok {
		v.GroupsAttributeNameSet = json.Unmarshal(b, &v.GroupsAttributeName) == nil
	}
	if b, ok := val("subjectField"); ok {
		str(b, &v.SubjectField)
	}
	if b, ok := val("overrideNameIdFormat"); ok {
		str(b, &v.NameIDFormat)
	}
	for _, key := range []string{"constantAttributes", "databaseAttributes"} {
		b, ok := val(key)
		var attrs []struct {
			Name string `json:"name"`
		}
		if ok && json.Unmarshal(b, &attrs) == nil {
			v.AttributesKnown = true
			if key == "databaseAttributes" {
				_ = json.Unmarshal(b, &v.DatabaseAttributes)
			}
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
			v.HasPrivateKey = true
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

// ConfigPatch is config.<key>.value to set, keyed by config key. Plans
// carry it; it never holds a secret.
type ConfigPatch map[string]json.RawMessage

// UpdateConfig reads the application, sets only the patched
// config.<key>.value entries and PUTs the whole object back: PUT replaces
// ("any fields not provided will be reset", docs §6), so everything read,
// the certificate and private key included, goes back unchanged. A key the
// object lacks is added as {"value": ...}.
func (c *Client) UpdateConfig(ctx context.Context, id string, patch ConfigPatch) (App, error) {
	cur, err := c.GetApp(ctx, id)
	if err != nil {
		return App{}, err
	}
	body, err := applyPatch(cur.raw, patch)
	if err != nil {
		return App{}, &APIError{Op: "update SSO application " + id, Kind: KindUnexpected, Detail: err.Error(), Hint: "nothing was sent"}
	}
	op := "update SSO application " + id
	raw, err := c.do(ctx, request{op: op, method: "PUT", path: "/api/applications/" + url.PathEscape(id), body: body})
	if err != nil {
		return App{}, err
	}
	a, err := parseApp(raw)
	if err != nil {
		return App{}, unexpected(op, "the updated application object", nil)
	}
	return a, nil
}

// applyPatch returns top with each patched config entry's value replaced;
// every other byte of every other member is kept as read.
func applyPatch(top map[string]json.RawMessage, patch ConfigPatch) ([]byte, error) {
	cfg := configOf(top)
	if cfg == nil {
		if len(top["config"]) > 0 && string(top["config"]) != "null" {
			return nil, fmt.Errorf("the application's config is not an object")
		}
		cfg = map[string]json.RawMessage{}
	}
	for key, v := range patch {
		var entry map[string]json.RawMessage
		if b, ok := cfg[key]; ok && !bytes.Equal(b, []byte("null")) {
			if err := json.Unmarshal(b, &entry); err != nil {
				return nil, fmt.Errorf("config.%s is not a field object", key)
			}
		}
		if entry == nil {
			entry = map[string]json.RawMessage{}
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
