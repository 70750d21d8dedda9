package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"jcaccess/steps"
)

func newPlanCmd(f *Factory) *cobra.Command {
	o := &setupOptions{}
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Run every read-only check and show the changes apply would make",
		Long: `plan runs every step's checks against Cloudflare, the team domain and the metadata, and
prints the exact requests (method, path, body) apply would send. It sends no POST, PUT or
DELETE, ever: the API client itself refuses them.`,
		Example: "  CLOUDFLARE_API_TOKEN=... jcaccess plan --config jcaccess.yaml",
		Args:    exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			env, store, err := f.env(ctx, o, true)
			if err != nil {
				return err
			}
			rep, err := steps.Plan(ctx, env, store.Save)
			if err != nil {
				return err
			}
			if o.JSON {
				if err := writeJSON(f.IO.Out, newRunJSON(env, rep)); err != nil {
					return err
				}
			} else {
				writeReport(f.IO.Out, env, rep)
				writeChanges(f.IO.Out, rep.Changes())
				if rep.Findings().HasErrors() {
					fmt.Fprintln(f.IO.Out, "\nPlan: blocked by the errors above; fix them and run plan again.")
				} else if len(rep.Changes()) > 0 {
					fmt.Fprintf(f.IO.Out, "\nPlan: %s. Run jcaccess apply with the same flags and --yes to make them.\n", countActions(rep.Changes()))
				}
			}
			if rep.Findings().HasErrors() {
				return errFailed
			}
			return nil
		},
	}
	o.addFlags(cmd)
	return cmd
}
