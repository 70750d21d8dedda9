// Command jcaccess sets up JumpCloud as the SAML identity provider of a
// Cloudflare Zero Trust organization, with SCIM, and checks that it works.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	io := &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		InTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		OutTTY: term.IsTerminal(int(os.Stdout.Fd())),
	}
	os.Exit(Run(ctx, io, os.Getenv, os.Args[1:]))
}
