package cfapi

// RecordLogin stands for a successful sign-in through the public flow,
// which saml_test.go exercises on its own.
func (s *Server) RecordLogin(l Login) { s.recordLogin(l) }
