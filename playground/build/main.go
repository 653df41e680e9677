// Command build builds the nox playground into playground/dist and, with
// -serve, serves it:
//
//	go run ./playground/build                # build only
//	go run ./playground/build -serve :8080   # build, then serve at http://localhost:8080/
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"

	"github.com/noxlang/nox/playground"
)

func main() {
	out := flag.String("o", "", "output directory (default playground/dist in the repository)")
	serve := flag.String("serve", "", "after building, serve the playground at this address (e.g. :8080)")
	noBuild := flag.Bool("nobuild", false, "with -serve, serve what was built before")
	flag.Parse()
	root, err := playground.Root(".")
	if err != nil {
		log.Fatal(err)
	}
	if *out == "" {
		*out = filepath.Join(root, "playground", "dist")
	}
	if !*noBuild {
		if _, err := playground.Build(root, *out, os.Stderr); err != nil {
			log.Fatal(err)
		}
	}
	if *serve == "" {
		return
	}
	fmt.Fprintf(os.Stderr, "serving %s at http://%s/ (Ctrl-C stops)\n", *out, display(*serve))
	log.Fatal(http.ListenAndServe(*serve, playground.Handler(*out)))
}

// display is addr as a browser takes it (":8080" → "localhost:8080").
func display(addr string) string {
	if len(addr) > 0 && addr[0] == ':' {
		return "localhost" + addr
	}
	return addr
}
