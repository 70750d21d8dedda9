package jumpcloud

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"jcaccess/model"
)

// AppIDAfterCreate stands for the new application's ID in the path of a
// bind planned after a create; Apply replaces it with the ID JumpCloud
// answered.
const AppIDAfterCreate = "{created_application_id}"

// appsPath is V1's application collection.
const appsPath = "/api/applications"

// Plan lists the changes that make JumpCloud what want asks: create the
// application (from the catalog connector) when missing, set drifted
// config values, bind the wanted groups. It reads nothing; an inspection
// with findings that block (ambiguity, unknown groups, a failed read)
// plans nothing. An update's body lists only the values to set and the
// list entries to add (ConfigChange): the full object holds the private
// key, and Apply sends it back unchanged.
func Plan(in Inspection, want Want, step string) ([]model.Change, error) {
	if in.Err != nil || in.Findings.HasErrors() {
		return nil, nil
	}
	var out []model.Change
	appID := AppIDAfterCreate
	bound := in.Bound
	switch {
	case in.App != nil:
		appID = in.App.ID
		if ch, ok := updateChange(*in.App, want, step); ok {
			out = append(out, ch)
		}
	case in.Template != nil:
		patch := ConfigPatch{}
		for _, d := range drifts(AppView{}, want) {
			patch[d.key] = d.change
		}
		body, err := in.Template.CreateBody(want.label(), in.SSOHost, patch)
		if err != nil {
			return nil, fmt.Errorf("build the new SSO application from the %q connector: %w", CatalogName, err)
		}
		out = append(out, model.Change{
			Step: step, Service: model.ServiceJumpCloud, Action: "create",
			Summary: fmt.Sprintf("create JumpCloud SSO application %q from the %q connector", want.label(), CatalogName),
			Method:  "POST", Path: appsPath, Body: body,
			KnownAfterApply: []string{"_id", "ssoUrl", "config.idpCertificate (JumpCloud generates the signing pair)"},
		})
	default:
		return nil, nil
	}
	for _, g := range missingBindings(bound, in.Wanted) {
		path := AssociationsPath(appID)
		if appID == AppIDAfterCreate {
			path = "/api/v2/applications/" + AppIDAfterCreate + "/associations"
		}
		out = append(out, model.Change{
			Step: step, Service: model.ServiceJumpCloud, Action: "bind",
			Summary: fmt.Sprintf("bind JumpCloud user group %q to the SSO application", model.Printable(g.Name)),
			Method:  "POST", Path: path, Body: BindBody(g.ID),
		})
	}
	return out, nil
}

// updateChange is the PUT that sets the drifted values, if any.
func updateChange(v AppView, want Want, step string) (model.Change, bool) {
	ds := drifts(v, want)
	if len(ds) == 0 {
		return model.Change{}, false
	}
	cfg := ConfigPatch{}
	var diff []model.FieldDiff
	for _, d := range ds {
		cfg[d.key] = d.change
		diff = append(diff, model.FieldDiff{Field: "config." + d.key + ".value", From: model.Printable(d.from), To: d.toText})
	}
	// {"value": ...} sets a value; {"add": [...]} adds entries to the
	// list read at apply time (ConfigChange).
	body, _ := json.Marshal(map[string]any{"config": cfg})
	return model.Change{
		Step: step, Service: model.ServiceJumpCloud, Action: "update",
		Summary: fmt.Sprintf("set %s on JumpCloud SSO application %s (the whole object is read and written back with only these values changed)", model.Plural(len(ds), "value"), describe(v)),
		Method:  "PUT", Path: appsPath + "/" + url.PathEscape(v.ID), Body: body, Diff: diff,
	}, true
}

// Result is what one applied change made.
type Result struct {
	// AppID is the application created or updated or bound to.
	AppID string
}

// Apply sends one planned JumpCloud change. createdID is the ID of an
// application created earlier in the same apply (for a bind planned after
// a create). An update re-reads the application and writes it back with
// only the planned values changed (UpdateConfig).
func (c *Client) Apply(ctx context.Context, ch model.Change, createdID string) (Result, error) {
	switch ch.Action {
	case "create":
		a, err := c.CreateApp(ctx, ch.Body)
		if err != nil {
			return Result{}, err
		}
		return Result{AppID: a.view.ID}, nil
	case "update":
		id, ok := strings.CutPrefix(ch.Path, appsPath+"/")
		if !ok || id == "" {
			return Result{}, fmt.Errorf("JumpCloud change %q: path %s is not an application's", ch.Summary, ch.Path)
		}
		id, _ = url.PathUnescape(id)
		var body struct {
			Config ConfigPatch `json:"config"`
		}
		if err := json.Unmarshal(ch.Body, &body); err != nil || len(body.Config) == 0 {
			return Result{}, fmt.Errorf("JumpCloud change %q: its body lists no config values to set", ch.Summary)
		}
		for k, cc := range body.Config {
			if (len(cc.Set) == 0) == (len(cc.Add) == 0) {
				return Result{}, fmt.Errorf("JumpCloud change %q: config.%s must either set a value or add entries", ch.Summary, k)
			}
		}
		if _, err := c.UpdateConfig(ctx, id, body.Config); err != nil {
			return Result{}, err
		}
		return Result{AppID: id}, nil
	case "bind":
		rest, ok := strings.CutPrefix(ch.Path, "/api/v2/applications/")
		id, ok2 := strings.CutSuffix(rest, "/associations")
		if !ok || !ok2 || id == "" {
			return Result{}, fmt.Errorf("JumpCloud change %q: path %s is not an application's associations", ch.Summary, ch.Path)
		}
		if id == AppIDAfterCreate {
			if createdID == "" {
				return Result{}, fmt.Errorf("JumpCloud change %q: the application it binds to was not created in this apply; run plan again", ch.Summary)
			}
			id = createdID
		} else {
			id, _ = url.PathUnescape(id)
		}
		var op struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(ch.Body, &op); err != nil || op.ID == "" {
			return Result{}, fmt.Errorf("JumpCloud change %q: its body names no group", ch.Summary)
		}
		if err := c.BindGroup(ctx, id, op.ID); err != nil {
			return Result{}, err
		}
		return Result{AppID: id}, nil
	}
	return Result{}, fmt.Errorf("JumpCloud change %q: action %q is not one jcaccess sends to JumpCloud", ch.Summary, ch.Action)
}
