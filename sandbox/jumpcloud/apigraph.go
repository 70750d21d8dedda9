package jumpcloud

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
)

// The V2 graph of the admin API (docs/reference/jumpcloud-api.md §7, §8):
// the user groups, their members, and the groups bound to the application.
// An association IS an entry of App.BoundGroups, so binding a group through
// the API lets its members sign in at the SSO URL.

// groupNames are the organization's user groups: every group a user is in
// and every group bound to the application, sorted.
func (p *IdP) groupNames() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var names []string
	for _, u := range p.users {
		names = append(names, u.Groups...)
	}
	names = append(names, p.app.BoundGroups...)
	slices.Sort(names)
	return slices.Compact(names)
}

// groupByID returns the name of the group with that id.
func (p *IdP) groupByID(id string) (string, bool) {
	for _, n := range p.groupNames() {
		if p.GroupID(n) == id {
			return n, true
		}
	}
	return "", false
}

func graphObject(id, typ string) map[string]any { return map[string]any{"id": id, "type": typ} }

// listUserGroups is GET /v2/usergroups: UserGroup objects (§8), filterable
// by name (filter=name:eq:<name>, case-sensitive).
func (p *IdP) listUserGroups(w http.ResponseWriter, r *http.Request) {
	var items []map[string]any
	for _, n := range p.groupNames() {
		items = append(items, map[string]any{
			"id": p.GroupID(n), "name": n, "type": "user_group", "description": "", "email": "",
			"membershipMethod": "STATIC", "organizationObjectId": p.OrganizationID(),
		})
	}
	v2List(w, r, items)
}

// listMembers is GET /v2/usergroups/{id}/members: connections to users,
// ids only (§8).
func (p *IdP) listMembers(w http.ResponseWriter, r *http.Request) {
	name, ok := p.groupByID(r.PathValue("id"))
	if !ok {
		apiError(w, http.StatusNotFound, "user group "+r.PathValue("id")+" not found")
		return
	}
	var items []map[string]any
	for _, u := range p.Users() {
		if slices.Contains(u.Groups, name) {
			items = append(items, map[string]any{"to": graphObject(p.UserID(u.Email), "user"), "from": graphObject(p.GroupID(name), "user_group")})
		}
	}
	v2List(w, r, items)
}

// listAssociations is GET /v2/applications/{id}/associations; targets is
// required (§7). The sandbox binds groups only, so targets=user is empty.
func (p *IdP) listAssociations(w http.ResponseWriter, r *http.Request) {
	app, _, _, ok := p.lookupApp(w, r.PathValue("id"))
	if !ok {
		return
	}
	items := []map[string]any{}
	switch r.URL.Query().Get("targets") {
	case "user_group":
		for _, g := range app.BoundGroups {
			items = append(items, map[string]any{"to": graphObject(p.GroupID(g), "user_group"), "from": graphObject(p.appID(app), "application")})
		}
	case "user":
	default:
		apiError(w, http.StatusBadRequest, "targets: required, user_group or user")
		return
	}
	v2List(w, r, items)
}

// traverseUserGroups is GET /v2/applications/{id}/usergroups: the groups
// bound directly or indirectly, with the paths that bind them and no names
// (§7). Sandbox groups do not nest, so every path is the direct edge.
func (p *IdP) traverseUserGroups(w http.ResponseWriter, r *http.Request) {
	app, _, _, ok := p.lookupApp(w, r.PathValue("id"))
	if !ok {
		return
	}
	items := []map[string]any{}
	for _, g := range app.BoundGroups {
		edge := map[string]any{"from": graphObject(p.appID(app), "application"), "to": graphObject(p.GroupID(g), "user_group")}
		items = append(items, map[string]any{
			"id": p.GroupID(g), "type": "user_group", "paths": [][]map[string]any{{edge}}, "compiledAttributes": map[string]any{},
		})
	}
	v2List(w, r, items)
}

// graphOperation is GraphOperation-Application (§7).
type graphOperation struct {
	ID         string         `json:"id"`
	Op         string         `json:"op"`
	Type       string         `json:"type"`
	Attributes map[string]any `json:"attributes"`
}

// postAssociation is POST /v2/applications/{id}/associations: 204 on
// success (§7). What adding an existing binding or removing a missing one
// answers is [U]; the sandbox refuses both (409, 404), the harsher reading,
// so a client must check first with the GET.
func (p *IdP) postAssociation(w http.ResponseWriter, r *http.Request) {
	if _, _, _, ok := p.lookupApp(w, r.PathValue("id")); !ok {
		return
	}
	op, err := readGraphOperation(r)
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	name, ok := p.groupByID(op.ID)
	if !ok {
		apiError(w, http.StatusNotFound, "user group "+op.ID+" not found")
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.app.Missing || p.appID(p.app) != r.PathValue("id") {
		apiError(w, http.StatusNotFound, "application "+r.PathValue("id")+" not found")
		return
	}
	bound := slices.Contains(p.app.BoundGroups, name)
	switch {
	case op.Op == "add" && bound:
		apiError(w, http.StatusConflict, "user group "+op.ID+" is already bound to the application")
		return
	case op.Op == "remove" && !bound:
		apiError(w, http.StatusNotFound, "user group "+op.ID+" is not bound to the application")
		return
	case op.Op == "add":
		p.app.BoundGroups = append(p.app.BoundGroups, name)
	default:
		p.app.BoundGroups = slices.DeleteFunc(p.app.BoundGroups, func(g string) bool { return g == name })
	}
	w.WriteHeader(http.StatusNoContent)
}

func readGraphOperation(r *http.Request) (graphOperation, error) {
	var op graphOperation
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return op, errors.New("reading the body: " + err.Error())
	}
	if err := json.Unmarshal(body, &op); err != nil {
		return op, errors.New("the body is not a JSON graph operation {\"op\", \"type\", \"id\"}")
	}
	switch {
	case op.ID == "":
		return op, errors.New("id: required, the user group's id")
	case op.Op != "add" && op.Op != "remove" && op.Op != "update":
		return op, errors.New("op: required, add or remove")
	case op.Type != "user_group" && op.Type != "user":
		return op, errors.New("type: required, user_group or user")
	case op.Op == "update":
		// What update does for an application is [U] (§7).
		return op, errors.New("op: update is not supported by the sandbox (its meaning for applications is undocumented); use add or remove")
	case op.Type == "user":
		// A limit of the sandbox: its application binds groups only.
		return op, errors.New("type: the sandbox binds user groups only; bind a group the user is in")
	}
	return op, nil
}
