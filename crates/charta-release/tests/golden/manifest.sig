{
  "format": "charta-release-signature/1",
  "algorithm": "ed25519",
  "key-id": "sha256:34750f98bd59fcfc946da45aaabe933be154a4b5094e1c4abf42866505f3c97e",
  "signature": "o3P4k+Or9pgWGfwuT8jrD5/AzR07wwUZwFXvsZIjR7VjBGStuVorkR1/cGj3LgmHE4j344x37WRmx2ci9z1xCw=="
}
