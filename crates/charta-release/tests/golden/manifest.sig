{
  "format": "charta-release-signature/1",
  "algorithm": "ed25519",
  "key-id": "sha256:34750f98bd59fcfc946da45aaabe933be154a4b5094e1c4abf42866505f3c97e",
  "signature": "gY+IS7CR8wHgusyqwc24fd9oJHuD802ag0jWe4utapIRuXTPQAo8uVGblJWV8xvuHx/4AeFZhercy1zuxwczDg=="
}
