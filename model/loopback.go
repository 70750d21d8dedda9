package model

import (
	"net"
	"strings"
)

// LoopbackHost says whether host (a name or an IP, without port) is this
// machine: the one place plain http is allowed (a local sandbox), for the
// API base URL and metadata URLs alike.
func LoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
