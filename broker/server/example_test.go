package server_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/iggyflow/iggyflow/broker"
	"github.com/iggyflow/iggyflow/broker/server"
	"github.com/iggyflow/iggyflow/broker/users"
)

// Starting the broker, its users and the TCP server from a main: one
// constructor, one Listen, one Shutdown.
func Example() {
	dir, _ := os.MkdirTemp("", "iggyflow-example")
	defer os.RemoveAll(dir)

	b, err := broker.Open(broker.Options{DataDir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.Close()

	// Root credentials come from IGGY_ROOT_USERNAME / IGGY_ROOT_PASSWORD;
	// iggy/iggy is allowed here only because the listener is loopback.
	u, err := users.Open(users.Options{
		DataDir:          dir,
		RootUsername:     os.Getenv("IGGY_ROOT_USERNAME"),
		RootPassword:     os.Getenv("IGGY_ROOT_PASSWORD"),
		AllowDefaultRoot: true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	srv := server.New(b, u)
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("listening:", srv.Addr() != nil)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	fmt.Println("shutdown:", srv.Shutdown(ctx))
	// Output:
	// listening: true
	// shutdown: <nil>
}
