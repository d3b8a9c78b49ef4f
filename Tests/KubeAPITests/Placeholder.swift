// placeholder until the KubeAPI tests land
