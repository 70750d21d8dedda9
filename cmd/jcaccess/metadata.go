package main

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"jcaccess/model"
	"jcaccess/steps"
	"jcaccess/steps/samlmeta"
)

func newMetadataCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "metadata", Short: "Work with JumpCloud SAML metadata"}
	var team, teamDomain string
	var asJSON bool
	inspect := &cobra.Command{
		Use:   "inspect FILE|URL",
		Short: "Parse a metadata export and report what is wrong with it",
		Long: `inspect parses a JumpCloud metadata export (a file, or an https URL) and prints its entity ID,
SSO URLs, certificates and findings, each with how to fix it in JumpCloud. With --team it also
checks the IdP Entity ID against the value the Cloudflare guide asks for. Exit code 1 when a
finding is an error.`,
		Example: "  jcaccess metadata inspect JumpCloud-saml2-metadata.xml --team acme",
		Args:    exactArgs(1, "one FILE or URL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			domain := teamDomain
			if domain == "" && team != "" {
				t, err := steps.NormalizeTeam(team)
				if err != nil {
					return usageError{err.Error()}
				}
				domain = model.Inputs{Team: t}.Domain()
			}
			if err := steps.CheckTeamDomain(domain); err != nil {
				return usageError{err.Error()}
			}
			src := strings.TrimSpace(args[0])
			if err := checkMetadataSource(src); err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			data, err := samlmeta.Load(ctx, f.HTTPClient, src)
			if err != nil {
				if cmd.Context().Err() != nil {
					return errCancelled
				}
				// A URL that passed the checks above is good input: not
				// reaching it is a failed check, which is what cron should see
				// (exit 1). A file that cannot be read is a wrong argument.
				if isURL(src) {
					return err
				}
				return usageError{err.Error()}
			}
			rep := samlmeta.Inspect(data, samlmeta.Options{TeamDomain: domain, Now: f.Now()})
			if asJSON {
				err = writeJSON(f.IO.Out, rep)
			} else {
				err = rep.WriteText(f.IO.Out)
			}
			if err != nil {
				return err
			}
			if rep.Findings.HasErrors() {
				return errFailed
			}
			return nil
		},
	}
	inspect.Flags().StringVar(&team, "team", "", "team name, to check the IdP Entity ID")
	inspect.Flags().StringVar(&teamDomain, "team-domain", "", "team domain, when it is not <team>.cloudflareaccess.com")
	inspect.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.AddCommand(inspect)
	return cmd
}
