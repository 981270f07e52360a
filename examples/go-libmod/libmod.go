// The seed's example: a Go function exported to C. Build it with
//
//	go build -buildmode=c-shared -o libmod.so
//
// which writes libmod.so and its header libmod.h.
package main

import "C"

// ModXY is the seed's function. Its text returned x * 2, but every call it
// showed (ModXY(13, 2) printing 1) is the remainder, so that is what it does.
//
//export ModXY
func ModXY(x, y int) int {
	return x % y
}

func main() {}
