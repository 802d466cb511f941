{
  "format": "charta-release-signature/1",
  "algorithm": "ed25519",
  "key-id": "sha256:34750f98bd59fcfc946da45aaabe933be154a4b5094e1c4abf42866505f3c97e",
  "signature": "lf4UVC9fdCzwF/hjC2Y/kKEERypVx+4olJ8uOZt/Y5kPcsLIQjAuSP1aJLWzW7Q6FGhyjwUZWJuWCjCTP7Y3Dw=="
}
