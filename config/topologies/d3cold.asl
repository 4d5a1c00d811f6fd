/*
 * An emulated D3cold platform for the bench (vm.sh --topology d3cold).
 *
 * QEMU's q35 ACPI tables give no PCI device a power resource, so Linux can
 * never put one in D3cold.  This SSDT gives the igb endpoint behind the
 * root port at 00:02.0 (\_SB.PCI0.S10.S00 in QEMU's DSDT) a power resource
 * for D0 and D3hot (_PR0/_PR3): with it, the PCI core can move the device
 * to D3cold through ACPI.
 *
 * Power-off must be observable: a device that lost power loses its state.
 * _OFF therefore starts a function-level reset through the device's PCIe
 * Device Control register (igb: PCIe capability at 0xa0, Device Control at
 * 0xa8, bit 15 "Initiate FLR"); QEMU's igb clears its registers (e.g.
 * RDBAL0 at BAR0 + 0xc000) on FLR.  _ON only records that power is back.
 *
 * Linux does not use ACPI power management for a node with _EJ0, which
 * QEMU's ACPI PCI hotplug adds: the port is created with hotplug=off.
 */
DefinitionBlock ("", "SSDT", 2, "VFIOPM", "D3COLD", 1)
{
    External (\_SB.PCI0.S10.S00, DeviceObj)

    Scope (\_SB.PCI0.S10.S00)
    {
        OperationRegion (PCFG, PCI_Config, Zero, 0x100)
        Field (PCFG, WordAcc, NoLock, Preserve)
        {
            Offset (0xA8),
            DCTL, 16
        }

        Name (PSTA, One)

        PowerResource (PWRS, 0, 0)
        {
            Method (_STA, 0, NotSerialized)
            {
                Return (PSTA)
            }

            Method (_ON, 0, NotSerialized)
            {
                Debug = "vfiopm: igb power on"
                PSTA = One
            }

            Method (_OFF, 0, NotSerialized)
            {
                Debug = "vfiopm: igb power off (FLR)"
                DCTL |= 0x8000
                PSTA = Zero
            }
        }

        Name (_PR0, Package (One) { PWRS })
        Name (_PR3, Package (One) { PWRS })
    }
}
