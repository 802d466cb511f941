{
  "format": "charta-release-signature/1",
  "algorithm": "ed25519",
  "key-id": "sha256:34750f98bd59fcfc946da45aaabe933be154a4b5094e1c4abf42866505f3c97e",
  "signature": "AvOo8hXrwZ9qL/+cUx6ESOn8wvQ3v5fxJG/pYnbLYUj/fH9oYrpThQaa518V2aAW7uxP6GSo2B+RCALs3LBlDg=="
}
