{
  "format": "charta-release-signature/1",
  "algorithm": "ed25519",
  "key-id": "sha256:34750f98bd59fcfc946da45aaabe933be154a4b5094e1c4abf42866505f3c97e",
  "signature": "v42vvObBTG9PG344rMpIAIDVnoW0kseH38Y3U30PUSvGZAbj/xoEVFs7aE/0+JJqFAcqa+kxjZyGTK+2ZJfqCA=="
}
