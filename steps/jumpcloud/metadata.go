package jumpcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"strconv"
)

// Org is an organization the key reaches (GET /api/organizations, §1).
type Org struct {
	ID          string `json:"_id"`
	DisplayName string `json:"displayName"`
}

// Organizations lists the organizations the key reaches: one for a
// single-tenant admin, the managed ones for a multi-tenant admin (§1).
func (c *Client) Organizations(ctx context.Context) ([]Org, error) {
	const op = "list organizations"
	items, err := c.listV1(ctx, op, "/api/organizations", nil)
	if err != nil {
		return nil, err
	}
	out := make([]Org, 0, len(items))
	for _, it := range items {
		var o Org
		if err := json.Unmarshal(it, &o); err != nil || o.ID == "" {
			return nil, unexpected(op, "a list of organizations", err)
		}
		out = append(out, o)
	}
	return out, nil
}

// OrgID is the organization the metadata URL names: the configured
// x-org-id, else the only organization the key reaches.
func (c *Client) OrgID(ctx context.Context) (string, error) {
	if c.orgID != "" {
		return c.orgID, nil
	}
	orgs, err := c.Organizations(ctx)
	if err != nil {
		return "", err
	}
	if len(orgs) != 1 {
		return "", &APIError{Op: "find the organization ID", Kind: KindOrgIDMissing, Hint: "the key reaches " + strconv.Itoa(len(orgs)) + " organizations: " + hintOrg}
	}
	return orgs[0].ID, nil
}

// Metadata fetches the application's SAML metadata through the
// undocumented endpoint third-party code uses (docs §9): GET
// /api/organizations/<org>/applications/<app>/metadata.xml. Its status
// codes and content type are [U], so anything but a 2xx answer that looks
// like XML is an error; the caller then falls back to the export the admin
// downloads (the metadata step's input), and says so.
func (c *Client) Metadata(ctx context.Context, appID string) ([]byte, error) {
	org, err := c.OrgID(ctx)
	if err != nil {
		return nil, err
	}
	op := "fetch the SAML metadata of SSO application " + appID + " (undocumented endpoint)"
	raw, err := c.do(ctx, request{op: op, method: "GET", accept: "application/xml, text/xml, */*",
		path: "/api/organizations/" + url.PathEscape(org) + "/applications/" + url.PathEscape(appID) + "/metadata.xml"})
	if err != nil {
		return nil, err
	}
	if !bytes.Contains(raw, []byte("EntityDescriptor")) {
		return nil, &APIError{Op: op, Kind: KindUnexpected, Detail: "the answer is not SAML metadata", Hint: "export it in the console instead (SSO tab > Export Metadata) and give jcaccess the file"}
	}
	return raw, nil
}
