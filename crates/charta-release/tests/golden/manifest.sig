{
  "format": "charta-release-signature/1",
  "algorithm": "ed25519",
  "key-id": "sha256:34750f98bd59fcfc946da45aaabe933be154a4b5094e1c4abf42866505f3c97e",
  "signature": "TjO5Y7Gs0x55S5XRBClx/1XswaSk8EiXwnvOEfIQyWd45juzxbQXgM2q+st6nSf7lJifhDwF9Jmdm8tRDUwDBQ=="
}
