package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"jcaccess/model"
	"jcaccess/steps"
	"jcaccess/steps/jumpcloud"
)

// jumpCloudOptions are the flags of the optional JumpCloud assist: with a
// JumpCloud API key, jcaccess reads JumpCloud's side itself and, when asked,
// changes it.
type jumpCloudOptions struct {
	Region  string
	Changes bool
	Groups  []string
}

func (o *jumpCloudOptions) addFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&o.Region, "jumpcloud-region", "", "JumpCloud region of the admin console: us (console.jumpcloud.com, default) or eu (console.eu.jumpcloud.com); $JUMPCLOUD_BASE_URL overrides it")
	fl.BoolVar(&o.Changes, "jumpcloud-changes", false, "let apply create or fix the Cloudflare Access app in JumpCloud and bind user groups (needs $JUMPCLOUD_API_KEY; also jumpcloud.changes in the config)")
	fl.StringSliceVar(&o.Groups, "jumpcloud-group", nil, "JumpCloud user group to bind to the app (repeat for several; overrides jumpcloud.groups in the config)")
}

// overlay lays the JumpCloud flags over the inputs.
func (o *jumpCloudOptions) overlay(in model.Inputs) model.Inputs {
	if len(o.Groups) > 0 {
		in.JumpCloud.Groups = nil
		for _, g := range o.Groups {
			if g = strings.TrimSpace(g); g != "" {
				in.JumpCloud.Groups = append(in.JumpCloud.Groups, g)
			}
		}
	}
	if o.Changes {
		in.JumpCloud.Changes = true
	}
	return in
}

// jumpCloudClient builds the JumpCloud API client, or nil when no key was
// given and nothing needs one (the assist is optional: without it the
// jumpcloud-app step judges from evidence, and groups saved in a session
// are only read). The key comes from $JUMPCLOUD_API_KEY or a hidden
// prompt, never a flag or a file. With --sandbox, startSandbox points the
// variables at the sandbox's JumpCloud. require says the command needs
// JumpCloud whatever the inputs; otherwise only JumpCloud changes asked
// for in this run (flag or config; the session does not keep them) do.
func (f *Factory) jumpCloudClient(o *jumpCloudOptions, in model.Inputs, readOnly, require bool) (*jumpcloud.Client, error) {
	newClient, _, err := f.jumpCloudFactory(o, readOnly)
	if err != nil {
		return nil, err
	}
	key := model.NewSecret(strings.TrimSpace(f.Getenv("JUMPCLOUD_API_KEY")))
	if key.IsZero() {
		if !require && !in.JumpCloud.Changes {
			return nil, nil
		}
		if key, err = f.askJumpCloudKey(require); err != nil {
			return nil, err
		}
	}
	c, err := newClient(key)
	if err != nil {
		return nil, usageError{err.Error()}
	}
	return c, nil
}

// jumpCloudFactory checks where JumpCloud is (JUMPCLOUD_BASE_URL or
// --jumpcloud-region, JUMPCLOUD_ORG_ID) and returns what builds a client
// there from a key, and that base URL: the wizard calls it again with a key
// typed into it.
func (f *Factory) jumpCloudFactory(o *jumpCloudOptions, readOnly bool) (newClient func(model.Secret) (*jumpcloud.Client, error), base string, err error) {
	base = strings.TrimSpace(f.Getenv("JUMPCLOUD_BASE_URL"))
	org := strings.TrimSpace(f.Getenv("JUMPCLOUD_ORG_ID"))
	if base != "" && o.Region != "" {
		return nil, "", usagef("--jumpcloud-region %s and JUMPCLOUD_BASE_URL %s both say where JumpCloud is: keep one", shown(o.Region), shown(base))
	}
	if base == "" {
		if base, err = jumpcloud.RegionBaseURL(o.Region); err != nil {
			return nil, "", usagef("--jumpcloud-region: %v", err)
		}
	}
	if strings.ContainsAny(org, " \t\r\n") {
		return nil, "", usagef("JUMPCLOUD_ORG_ID %q holds spaces: set it to the organization ID alone (multi-tenant admins only), or unset it", shown(org))
	}
	hc := f.HTTPClient
	return func(key model.Secret) (*jumpcloud.Client, error) {
		return jumpcloud.New(jumpcloud.Options{BaseURL: base, Key: key, OrgID: org, HTTP: hc, ReadOnly: readOnly})
	}, base, nil
}

// askJumpCloudKey asks for the key on a terminal, without echo.
func (f *Factory) askJumpCloudKey(require bool) (model.Secret, error) {
	why, or := "JUMPCLOUD_API_KEY is not set", ""
	if !require {
		why += ", and JumpCloud changes were asked for"
		or = ", or drop --jumpcloud-changes and the config's jumpcloud.changes"
	}
	fh, ok := f.terminalIn()
	if !ok {
		return model.Secret{}, usagef("%s; set it to an API key of a JumpCloud admin allowed to manage applications (console: your name > My API Key)%s", why, or)
	}
	v, err := readHidden(fh, f.IO.ErrOut, "JumpCloud API key (console: your name > My API Key; input hidden): ")
	if err != nil {
		return model.Secret{}, err
	}
	if v == "" {
		return model.Secret{}, usagef("no JumpCloud API key given; set JUMPCLOUD_API_KEY")
	}
	return model.NewSecret(v), nil
}

type jumpCloudInspectOptions struct {
	setupOptions
}

func newJumpCloudCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "jumpcloud", Short: "Read JumpCloud's side of the setup through its admin API"}
	o := &jumpCloudInspectOptions{}
	inspect := &cobra.Command{
		Use:   "inspect",
		Short: "Show what JumpCloud holds for this setup, and what is wrong with it",
		Long: `inspect reads the Cloudflare Access app in JumpCloud through JumpCloud's admin API (it changes
nothing): its ID, label, SSO URL, IdP Entity ID, SP Entity ID and ACS URL, the group attribute
and the user groups bound to it, each checked against what this team's setup needs. It needs
$JUMPCLOUD_API_KEY (or asks for it on a terminal); multi-tenant admins also set
$JUMPCLOUD_ORG_ID. Exit code 1 when a finding is an error.`,
		Example: "  JUMPCLOUD_API_KEY=... jcaccess jumpcloud inspect --team acme",
		Args:    exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runJumpCloudInspect(cmd, f, o)
		},
	}
	o.addFlags(inspect)
	cmd.AddCommand(inspect)
	return cmd
}

func runJumpCloudInspect(cmd *cobra.Command, f *Factory, o *jumpCloudInspectOptions) error {
	ctx := cmd.Context()
	if o.JumpCloud.Changes {
		return usagef("--jumpcloud-changes: jumpcloud inspect only reads; use jcaccess apply --jumpcloud-changes to change JumpCloud")
	}
	if o.Sandbox {
		if _, err := f.startSandbox(&o.setupOptions); err != nil {
			return err
		}
	}
	store, err := f.store()
	if err != nil {
		return err
	}
	sess, err := o.inputs(f, store)
	if err != nil {
		return err
	}
	in := sess.Inputs
	c, err := f.jumpCloudClient(&o.JumpCloud, in, true, true)
	if err != nil {
		return err
	}
	insp := jumpcloud.Inspect(ctx, c, steps.JumpCloudWant(in, false))
	if ctx.Err() != nil {
		return errCancelled
	}
	out := newJumpCloudJSON(in, insp)
	if o.JSON {
		if err := writeJSON(f.IO.Out, out); err != nil {
			return err
		}
	} else {
		writeJumpCloud(f.IO.Out, out)
	}
	if insp.Findings.HasErrors() {
		return errFailed
	}
	return nil
}

// jumpCloudJSON is jumpcloud inspect's report: what JumpCloud holds (never
// the raw application, which may hold the IdP's private key) and the
// findings.
type jumpCloudJSON struct {
	OK       bool              `json:"ok"`
	Team     string            `json:"team"`
	Want     jumpCloudURLs     `json:"want"`
	App      *jumpCloudApp     `json:"app,omitempty"`
	Bound    []jumpcloud.Group `json:"bound_groups"`
	Findings model.Findings    `json:"findings"`
}

type jumpCloudURLs struct {
	IdPEntityID string `json:"idp_entity_id"`
	SPEntityID  string `json:"sp_entity_id"`
	ACSURL      string `json:"acs_url"`
}

type jumpCloudApp struct {
	ID              string        `json:"id"`
	Label           string        `json:"label"`
	SSOURL          string        `json:"sso_url"`
	URLs            jumpCloudURLs `json:"urls"`
	ACSURLs         []string      `json:"acs_urls,omitempty"`
	GroupsAttribute string        `json:"groups_attribute"`
	IncludeGroups   bool          `json:"include_groups"`
}

func newJumpCloudJSON(in model.Inputs, insp jumpcloud.Inspection) jumpCloudJSON {
	w := steps.JumpCloudWant(in, false)
	out := jumpCloudJSON{
		OK: !insp.Findings.HasErrors(), Team: in.Team,
		Want:     jumpCloudURLs{IdPEntityID: w.IdPEntityID, SPEntityID: w.SPEntityID, ACSURL: w.ACSURL},
		Bound:    insp.Bound,
		Findings: insp.Findings,
	}
	if out.Bound == nil {
		out.Bound = []jumpcloud.Group{}
	}
	if v := insp.App; v != nil {
		label := v.DisplayLabel
		if label == "" {
			label = v.DisplayName
		}
		acs := ""
		if len(v.ACSURLs) > 0 {
			acs = v.ACSURLs[0]
		}
		out.App = &jumpCloudApp{
			ID: v.ID, Label: label, SSOURL: v.SSOURL,
			URLs:            jumpCloudURLs{IdPEntityID: v.IdPEntityID, SPEntityID: v.SPEntityID, ACSURL: acs},
			ACSURLs:         v.ACSURLs,
			GroupsAttribute: v.GroupsAttributeName, IncludeGroups: v.IncludeGroups,
		}
	}
	return out
}

func writeJumpCloud(w io.Writer, r jumpCloudJSON) {
	fmt.Fprintf(w, "JumpCloud, for team %s\n", shown(r.Team))
	if a := r.App; a != nil {
		groupAttr := "off"
		if a.IncludeGroups {
			groupAttr = "on, named " + shown(a.GroupsAttribute)
		}
		for _, row := range [][2]string{
			{"App", shown(a.Label) + " (" + shown(a.ID) + ")"},
			{"SSO URL", shown(a.SSOURL)},
			{"IdP Entity ID", shown(a.URLs.IdPEntityID)},
			{"SP Entity ID", shown(a.URLs.SPEntityID)},
			{"ACS URL", shown(strings.Join(a.ACSURLs, ", "))},
			{"Group attribute", groupAttr},
		} {
			fmt.Fprintf(w, "  %-16s %s\n", row[0]+":", row[1])
		}
	}
	var names []string
	for _, g := range r.Bound {
		names = append(names, shown(g.Name))
	}
	if r.App != nil {
		bound := "none"
		if len(names) > 0 {
			bound = strings.Join(names, ", ")
		}
		fmt.Fprintf(w, "  %-16s %s\n", "Bound groups:", bound)
	}
	fmt.Fprintln(w)
	for _, f := range r.Findings {
		fmt.Fprintf(w, "  %s %s: %s\n", findingMark(f.Severity), f.Code, shown(f.Message))
	}
}

// findingMark is a finding's severity as one character, for plain output.
func findingMark(s model.Severity) string {
	switch s {
	case model.SeverityError:
		return "x"
	case model.SeverityWarning:
		return "!"
	case model.SeverityToConfirm:
		return "?"
	}
	return "-"
}
