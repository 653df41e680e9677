package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/lang"
)

// session is an interactive sequence of chunks of nox source, as typed at
// the REPL: each chunk may use what earlier chunks defined, and only its
// own statements run. A chunk is compiled together with the accepted
// source before it, so names, dimensions and diagnostics behave exactly as
// in a file; a chunk with an error is rejected whole and the session goes
// on.
type session struct {
	// Filename names the session's source in diagnostics: "<repl>".
	Filename string
	dir      string // relative paths resolve here
	src      []byte
	script   *nox.Script
	done     int // actions already run
}

// newSession starts a session whose relative paths resolve against dir.
func newSession(dir string) *session {
	return &session{Filename: "<repl>", dir: dir}
}

// Source returns the accepted source so far.
func (s *session) Source() []byte { return s.src }

// Incomplete reports whether chunk, appended to the session, ends in the
// middle of a statement (an open bracket, a trailing |> or =): the REPL
// then reads another line.
func (s *session) Incomplete(chunk string) bool {
	_, err := lang.Parse(s.Filename, s.join(chunk))
	var e *lang.Error
	return errors.As(err, &e) && strings.Contains(e.Msg, "unexpected end of file")
}

func (s *session) join(chunk string) []byte {
	src := append([]byte(nil), s.src...)
	if len(src) > 0 && src[len(src)-1] != '\n' {
		src = append(src, '\n')
	}
	return append(src, chunk...)
}

// Exec compiles chunk after the accepted source and runs its statements.
// On a compile error nothing is accepted. A runtime error leaves the
// chunk's definitions in place and skips its remaining statements (a
// diverged train keeps its flow's best parameters validated before).
// A done ctx stops a training in progress as in Script.Run.
func (s *session) Exec(ctx context.Context, chunk string, opts nox.RunOptions) error {
	src := s.join(chunk)
	next, err := nox.CompileIn(s.dir, s.Filename, src)
	if err != nil {
		return err
	}
	if s.script != nil {
		next.Adopt(s.script)
	}
	s.src, s.script = src, next
	if s.done, err = next.RunFrom(ctx, s.done, opts); err != nil {
		s.done = len(next.Prog.Actions) // the rest of a failed chunk never runs
	}
	return err
}

// Type describes an expression: its type and, for a flow, its stages and
// dimensions.
func (s *session) Type(expr string) (string, error) {
	name := strings.TrimSpace(expr)
	if s.script != nil {
		if d, ok := s.script.Prog.Describe(name); ok {
			return d, nil
		}
	}
	const tmp = "__type__"
	sc, err := nox.CompileIn(s.dir, s.Filename, s.join(tmp+" = "+expr+"\n"))
	if err != nil {
		return "", err
	}
	d, ok := sc.Prog.Describe(tmp)
	if !ok {
		return "", fmt.Errorf("%s has no value", expr)
	}
	return d, nil
}

// IR returns the lowered programs of the trained flow name.
func (s *session) IR(name string) (string, error) {
	if s.script == nil || s.script.Prog.FlowByName(name) == nil {
		return "", fmt.Errorf("no flow named %s", name)
	}
	return s.script.Prog.IR(name, nil)
}

// Render formats an error from the session for a person.
func (s *session) Render(err error) string { return nox.RenderError(err, s.Filename, s.src) }

// RenderChunkError formats an error from Exec of chunk (which was not
// accepted) for a person.
func (s *session) RenderChunkError(err error, chunk string) string {
	return nox.RenderError(err, s.Filename, s.join(chunk))
}
