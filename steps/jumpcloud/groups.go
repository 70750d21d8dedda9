package jumpcloud

import (
	"context"
	"encoding/json"
	"net/url"
)

// Group is a JumpCloud user group (docs §8).
type Group struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// UserGroups lists every user group of the organization. Names are not
// guaranteed unique (§8 [U]); callers check.
func (c *Client) UserGroups(ctx context.Context) ([]Group, error) {
	const op = "list user groups"
	items, err := c.listV2(ctx, op, "/api/v2/usergroups", nil)
	if err != nil {
		return nil, err
	}
	out := make([]Group, 0, len(items))
	for _, it := range items {
		var g Group
		if err := json.Unmarshal(it, &g); err != nil || g.ID == "" {
			return nil, unexpected(op, "a list of user groups with ids", err)
		}
		out = append(out, g)
	}
	return out, nil
}

// BoundGroupIDs lists the user groups bound directly to the application:
// GET .../associations?targets=user_group (docs §7).
func (c *Client) BoundGroupIDs(ctx context.Context, appID string) ([]string, error) {
	op := "list the user groups bound to SSO application " + appID
	items, err := c.listV2(ctx, op, "/api/v2/applications/"+url.PathEscape(appID)+"/associations", url.Values{"targets": {"user_group"}})
	if err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	for _, it := range items {
		var gc struct {
			To struct {
				ID   string `json:"id"`
				Type string `json:"type"`
			} `json:"to"`
		}
		if err := json.Unmarshal(it, &gc); err != nil || gc.To.ID == "" {
			return nil, unexpected(op, "a list of graph connections", err)
		}
		if gc.To.Type == "user_group" && !seen[gc.To.ID] {
			seen[gc.To.ID] = true
			out = append(out, gc.To.ID)
		}
	}
	return out, nil
}

// BindBody is the association that binds a user group to an application
// (docs §7: GraphOperation-Application).
func BindBody(groupID string) json.RawMessage {
	b, _ := json.Marshal(struct {
		Op   string `json:"op"`
		Type string `json:"type"`
		ID   string `json:"id"`
	}{"add", "user_group", groupID})
	return b
}

// AssociationsPath is where bindings of an application are posted.
func AssociationsPath(appID string) string {
	return "/api/v2/applications/" + url.PathEscape(appID) + "/associations"
}

// BindGroup binds a user group to the application; JumpCloud answers 204
// (docs §7).
func (c *Client) BindGroup(ctx context.Context, appID, groupID string) error {
	_, err := c.do(ctx, request{op: "bind user group " + groupID + " to SSO application " + appID, method: "POST", path: AssociationsPath(appID), body: BindBody(groupID)})
	return err
}
