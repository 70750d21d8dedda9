package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"jcaccess/sandbox"
	"jcaccess/sandbox/jumpcloud"
)

// sandboxDir is where the sandbox keeps its world: apart from the sessions,
// because it is the fake services' own database (it holds their fake
// tokens and SCIM secrets, as Cloudflare's database holds the real ones).
func (f *Factory) sandboxDir() (string, error) {
	if d := f.Getenv("JCACCESS_SANDBOX_DIR"); d != "" {
		return d, nil
	}
	if d := f.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "jcaccess-sandbox"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", usagef("no home folder for the sandbox (%v); set JCACCESS_SANDBOX_DIR", err)
	}
	return filepath.Join(home, ".local", "state", "jcaccess-sandbox"), nil
}

// startSandbox brings up the in-process sandbox and points this command at
// it: its API, its token, its CA, and its team and metadata as defaults.
func (f *Factory) startSandbox(o *setupOptions) (*sandbox.Sandbox, error) {
	dir, err := f.sandboxDir()
	if err != nil {
		return nil, err
	}
	sb, err := sandbox.Start(sandbox.Options{Dir: dir, Fresh: o.Fresh, Now: f.Now, CheckRequest: f.sandboxCheck})
	if err != nil {
		return nil, err
	}
	f.closers = append(f.closers, sb.Close)
	overrides := map[string]string{}
	for _, kv := range sb.Env() {
		k, v, _ := strings.Cut(kv, "=")
		overrides[k] = v
	}
	getenv := f.Getenv
	f.Getenv = func(k string) string {
		if v, ok := overrides[k]; ok {
			return v
		}
		return getenv(k)
	}
	f.HTTPClient = sb.HTTPClient
	if o.Team == "" && o.ConfigPath == "" {
		o.Team = sb.Team
	}
	if o.TeamDomain == "" {
		o.TeamDomain = sb.TeamDomain
	}
	// No export exists while JumpCloud has no app (sandbox.AppMissing):
	// the metadata then comes through JumpCloud's API once the app exists.
	if _, err := os.Stat(sb.MetadataPath); o.Metadata == "" && err == nil {
		o.Metadata = sb.MetadataPath
	}
	fmt.Fprintf(f.IO.ErrOut, "Sandbox: Cloudflare team %s at https://%s, JumpCloud at %s (world in %s)\n", sb.Team, sb.TeamDomain, sb.JumpCloud.BaseURL(), dir)
	return sb, nil
}

func newSandboxCmd(f *Factory) *cobra.Command {
	var fresh bool
	var mistakes []string
	var knobs jumpcloud.APIKnobs
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run the offline sandbox (a fake Cloudflare and JumpCloud) in the foreground",
		Long: `sandbox runs an offline Cloudflare Zero Trust and JumpCloud on loopback, with a real SAML login
and real SCIM traffic, until Ctrl+C. It prints the environment another shell needs to point
jcaccess at it, including JumpCloud's admin API (JUMPCLOUD_BASE_URL, and JUMPCLOUD_API_KEY, a
new key each run). Its world is kept in $JCACCESS_SANDBOX_DIR (default
$XDG_STATE_HOME/jcaccess-sandbox); --fresh starts a new one.`,
		Example: "  jcaccess sandbox > sandbox.env   # then, in another shell: set -a; . ./sandbox.env; jcaccess plan --team sandbox --team-domain \"$JCACCESS_SANDBOX_TEAM_DOMAIN\" --metadata \"$JCACCESS_SANDBOX_METADATA\"",
		Args:    exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := f.sandboxDir()
			if err != nil {
				return err
			}
			sb, err := sandbox.Start(sandbox.Options{Dir: dir, Fresh: fresh, Now: f.Now, CheckRequest: f.sandboxCheck, JumpCloudAPI: knobs})
			if err != nil {
				return err
			}
			defer sb.Close()
			for _, m := range mistakes {
				if err := sb.Make(sandbox.Mistake(m)); err != nil {
					return usageError{err.Error()}
				}
			}
			for _, kv := range sb.Env() {
				fmt.Fprintln(f.IO.Out, kv)
			}
			fmt.Fprintf(f.IO.ErrOut, "Sandbox running: Cloudflare team %s at https://%s, JumpCloud at %s\n", sb.Team, sb.TeamDomain, sb.JumpCloud.BaseURL())
			// The URL carries this run's console token: the console answers
			// nothing without it.
			fmt.Fprintf(f.IO.ErrOut, "JumpCloud console (Identity Management: Activate; mistakes to try; this URL is its only key): %s\n", sb.AdminURL())
			fmt.Fprintln(f.IO.ErrOut, "Ctrl+C stops it; the world is saved in "+dir)
			<-cmd.Context().Done()
			return nil
		},
	}
	cmd.Flags().BoolVar(&fresh, "fresh", false, "start a new world")
	cmd.Flags().BoolVar(&knobs.ReadOnlyRole, "jumpcloud-read-only", false, "the JumpCloud API key's admin may not change SSO apps (writes answer 403)")
	cmd.Flags().BoolVar(&knobs.MultiTenant, "jumpcloud-multi-tenant", false, "the JumpCloud API key's admin is multi-tenant (calls without x-org-id answer 401)")
	cmd.Flags().IntVar(&knobs.RateLimitEvery, "jumpcloud-rate-limit", 0, "every Nth JumpCloud API request answers 429 with Retry-After (0: never)")
	var names []string
	for _, m := range sandbox.Mistakes() {
		names = append(names, string(m))
	}
	cmd.Flags().StringSliceVar(&mistakes, "mistake", nil, "reproduce an admin mistake in JumpCloud: "+strings.Join(names, ", "))
	return cmd
}
