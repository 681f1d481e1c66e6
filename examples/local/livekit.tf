# A 3-node LiveKit cluster over three zones (issue 3). Against the emulator the VMs
# never boot LiveKit, but every Compute object is created exactly as on Google Cloud.
