// placeholder until the install tests land
