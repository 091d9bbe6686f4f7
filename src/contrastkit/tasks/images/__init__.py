"""Images: SimCLR and the other vision methods over Fashion-MNIST, image folders and arrays."""
