// Package onnxpb holds the Go types of ONNX's protobuf messages,
// generated from the official onnx.proto (ONNX 1.12, as Debian's
// libonnx-dev ships it at /usr/include/onnx/onnx.proto; the copy here is
// that file) by protoc 3.21.12 and protoc-gen-go v1.36.12:
//
//	apt-get install protobuf-compiler libonnx-dev
//	go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
//	go generate ./internal/onnxpb
package onnxpb

//go:generate protoc --proto_path=. --go_out=. --go_opt=paths=source_relative --go_opt=Monnx.proto=github.com/noxlang/nox/internal/onnxpb onnx.proto
