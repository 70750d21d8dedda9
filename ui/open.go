package ui

import (
	"errors"
	"os/exec"
	"runtime"

	tea "charm.land/bubbletea/v2"
)

// JumpCloudConsole is where the admin configures the JumpCloud side.
const JumpCloudConsole = "https://console.jumpcloud.com/#/home"

var errNoDisplay = errors.New("no display")

// systemOpener opens URLs with the desktop's opener. Over SSH without a
// forwarded display there is no browser to open: it says so instead of
// starting one on a screen nobody looks at.
func systemOpener(getenv func(string) string) func(string) error {
	return func(url string) error {
		headless := getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == ""
		remote := getenv("SSH_CONNECTION") != "" || getenv("SSH_TTY") != ""
		var cmd *exec.Cmd
		switch runtime.GOOS {
		case "darwin":
			if remote && headless {
				return errNoDisplay
			}
			cmd = exec.Command("open", url)
		case "windows":
			cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
		default:
			if headless {
				return errNoDisplay
			}
			cmd = exec.Command("xdg-open", url)
		}
		if err := cmd.Start(); err != nil {
			return err
		}
		go cmd.Wait() //nolint:errcheck // reap the opener; its exit status tells nothing useful
		return nil
	}
}

func openCmd(open func(string) error) func(string) tea.Cmd {
	return func(url string) tea.Cmd {
		return func() tea.Msg {
			err := open(url)
			url := shown(url)
			switch {
			case errors.Is(err, errNoDisplay):
				return statusMsg("No browser here (no DISPLAY): open " + url + " on your own machine")
			case err != nil:
				return statusMsg("Could not start a browser (" + shownErr(err) + "): open " + url + " yourself")
			}
			return statusMsg("Opened " + url + " in your browser")
		}
	}
}
