{
  "format": "charta-release-signature/1",
  "algorithm": "ed25519",
  "key-id": "sha256:34750f98bd59fcfc946da45aaabe933be154a4b5094e1c4abf42866505f3c97e",
  "signature": "iSCKTvR1SJv7kuLycjcjF5o6wNs2VwHvf3Gp6gMa0Y5aXPTptvMnYhm8CL+uiVmXD+5FWOHBzF1i2PMh/bcLAg=="
}
