{
  "format": "charta-release-signature/1",
  "algorithm": "ed25519",
  "key-id": "sha256:34750f98bd59fcfc946da45aaabe933be154a4b5094e1c4abf42866505f3c97e",
  "signature": "ox63Z07oPCN0Fg+YH8HSAu4zjMDA15nyrS2manI5JovGiOdCD9f4gMQLuo45a/I3YSyowejBM92Lr3j1OHCPBQ=="
}
