{
  "format": "charta-release-signature/1",
  "algorithm": "ed25519",
  "key-id": "sha256:34750f98bd59fcfc946da45aaabe933be154a4b5094e1c4abf42866505f3c97e",
  "signature": "ASrEfzF99fv9pywBlOsU4jXxp/q/MRSpyND2z3+DE4zuOwgtz/Iup6BlPELGBC2HcETDNS+mkmZR6Kh2BmUfDg=="
}
