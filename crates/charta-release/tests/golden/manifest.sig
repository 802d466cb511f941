{
  "format": "charta-release-signature/1",
  "algorithm": "ed25519",
  "key-id": "sha256:34750f98bd59fcfc946da45aaabe933be154a4b5094e1c4abf42866505f3c97e",
  "signature": "9NPS0Ar24IfeVHFrnN34wYFIcEIuFYtAVPtZ9xOY8bvVGJLjPAUAMCFLc8+vssWR92SoYQcxq7Lc9NGUdkqDAw=="
}
