package main

import (
	"context"
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
			return runReadOnly(cmd, f, o, steps.Plan, func(env *steps.Env, rep *steps.Report) {
				writeReport(f.IO.Out, env, rep)
				writeChanges(f.IO.Out, rep.Changes())
				if rep.Findings().HasErrors() {
					fmt.Fprintln(f.IO.Out, "\nPlan: blocked by the errors above; fix them and run plan again.")
				} else if len(rep.Changes()) > 0 {
					fmt.Fprintf(f.IO.Out, "\nPlan: %s. Run jcaccess apply with the same flags and --yes to make them.\n", countActions(rep.Changes()))
				}
			})
		},
	}
	o.addFlags(cmd)
	return cmd
}

// runReadOnly is plan and check: build a read-only environment, run, print
// one JSON document or the human report, and fail on an error finding.
func runReadOnly(cmd *cobra.Command, f *Factory, o *setupOptions,
	run func(context.Context, *steps.Env, steps.Save) (*steps.Report, error),
	human func(*steps.Env, *steps.Report)) error {
	ctx := cmd.Context()
	env, store, err := f.env(ctx, o, true)
	if err != nil {
		return err
	}
	rep, err := run(ctx, env, store.Save)
	if err != nil {
		return err
	}
	if o.JSON {
		if err := writeJSON(f.IO.Out, newRunJSON(env, rep)); err != nil {
			return err
		}
	} else {
		human(env, rep)
	}
	if rep.Findings().HasErrors() {
		return errFailed
	}
	return nil
}
