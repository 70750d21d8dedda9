package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"jcaccess/model"
	"jcaccess/steps"
)

func newSessionsCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "sessions", Short: "List, show or remove saved sessions (one per team)"}
	var asJSON bool
	list := &cobra.Command{
		Use: "list", Short: "List saved sessions", Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			store, err := f.store()
			if err != nil {
				return err
			}
			sessions, errs := store.ListContext(cmd.Context())
			if cmd.Context().Err() != nil {
				return errCancelled
			}
			for _, e := range errs {
				fmt.Fprintln(f.IO.ErrOut, "jcaccess:", shownErr(e))
			}
			// "No saved sessions" would be wrong when the folder could not be read.
			if len(sessions) > 0 || asJSON || len(errs) == 0 {
				if err := writeSessionList(f, store, sessions, asJSON); err != nil {
					return err
				}
			}
			// A listing that left something out is not a success: a script
			// would take the missing team for one that has no session.
			if len(errs) > 0 {
				return errFailed
			}
			return nil
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	show := &cobra.Command{
		Use: "show TEAM", Short: "Show a saved session (it holds no secret)", Args: exactArgs(1, "one TEAM"),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, team, err := f.storeAndTeam(args[0])
			if err != nil {
				return err
			}
			s, err := store.LoadContext(cmd.Context(), team)
			if cmd.Context().Err() != nil {
				return errCancelled
			}
			if err != nil {
				return usageError{err.Error()}
			}
			return writeJSON(f.IO.Out, s)
		},
	}
	rm := &cobra.Command{
		Use: "rm TEAM", Short: "Remove a saved session (Cloudflare is not changed)", Args: exactArgs(1, "one TEAM"),
		RunE: func(_ *cobra.Command, args []string) error {
			store, team, err := f.storeAndTeam(args[0])
			if err != nil {
				return err
			}
			if err := store.Remove(team); err != nil {
				return usageError{err.Error()}
			}
			fmt.Fprintf(f.IO.ErrOut, "Removed the session of %s. Nothing in Cloudflare or JumpCloud was changed.\n", team)
			return nil
		},
	}
	cmd.AddCommand(list, show, rm)
	return cmd
}

func writeSessionList(f *Factory, store model.Store, sessions []*model.Session, asJSON bool) error {
	if asJSON {
		if sessions == nil {
			sessions = []*model.Session{}
		}
		return writeJSON(f.IO.Out, sessions)
	}
	if len(sessions) == 0 {
		fmt.Fprintf(f.IO.ErrOut, "No saved sessions in %s.\n", store.Dir)
		return nil
	}
	tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TEAM\tDOMAIN\tVERIFIED\tIDP\tUPDATED")
	for _, s := range sessions {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", shown(s.Inputs.Team), shown(s.Inputs.Domain()), verifiedCount(s), shown(dash(s.IdPID)), s.UpdatedAt.Local().Format("2006-01-02 15:04"))
	}
	return tw.Flush()
}

func (f *Factory) storeAndTeam(arg string) (model.Store, string, error) {
	store, err := f.store()
	if err != nil {
		return store, "", err
	}
	team, err := steps.NormalizeTeam(arg)
	if err != nil {
		return store, "", usageError{err.Error()}
	}
	return store, team, nil
}

func verifiedCount(s *model.Session) string {
	n := 0
	for _, st := range s.Steps {
		if st.Status == model.StatusVerified || st.Status == model.StatusWarning {
			n++
		}
	}
	return fmt.Sprintf("%d/%d", n, len(steps.All()))
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
