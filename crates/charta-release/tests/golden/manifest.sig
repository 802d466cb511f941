{
  "format": "charta-release-signature/1",
  "algorithm": "ed25519",
  "key-id": "sha256:34750f98bd59fcfc946da45aaabe933be154a4b5094e1c4abf42866505f3c97e",
  "signature": "H4YD9NVdKWhPMGp5jhNlL+qbDGtmqSRqEuuitBospBnl4tVqu1eIALtyo9VwY4OIsWB6zIENmHX3ms3k8bLuCg=="
}
