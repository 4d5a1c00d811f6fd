/*
 * Power resources on a root port (vm.sh --topology bridgepr3 and
 * switchpr3), as laptops describe the slot of a discrete GPU and
 * Thunderbolt hierarchies their root ports.
 *
 * The root port at 00:02.0 (\_SB.PCI0.S10 in QEMU's DSDT) gets a power
 * resource for D0 and D3hot (_PR0/_PR3): the PCI core can put the port in
 * D3cold once everything below it is suspended, which removes power from
 * everything below it.  Nothing below the port (a switch in switchpr3,
 * the endpoints) has power resources.
 *
 * Power-off must be observable, as on real hardware: _OFF turns off the
 * power of the port's slot through the port's Slot Control register
 * (Power Controller Control, PCIe capability at 0x54, Slot Control at
 * 0x6c), which QEMU implements: every function on the port's secondary
 * bus is disabled and reset (behind a switch, the upstream port, and
 * everything below it is reset, bus numbers included), and reads all ones
 * through config space until _ON turns the power back on (and resets it
 * again).  The Power Indicator is set to On in the same write: QEMU
 * detaches a device whose slot has power and indicator both off.  The
 * port itself keeps its state; nothing emulates a power-up delay.
 */
DefinitionBlock ("", "SSDT", 2, "VFIOPM", "RPPR3", 1)
{
    External (\_SB.PCI0.S10, DeviceObj)

    Scope (\_SB.PCI0.S10)
    {
        OperationRegion (PCFG, PCI_Config, Zero, 0x100)
        Field (PCFG, WordAcc, NoLock, Preserve)
        {
            Offset (0x6C),
            SLTC, 16
        }

        Name (PSTA, One)

        PowerResource (PWRS, 0, 0)
        {
            Method (_STA, 0, NotSerialized)
            {
                Return (PSTA)
            }

            /* Power Controller Control: on (0); Power Indicator: On (01b) */
            Method (_ON, 0, NotSerialized)
            {
                Debug = "vfiopm: slot 00:02.0 power on"
                SLTC = (SLTC & 0xF8FF) | 0x0100
                PSTA = One
            }

            /* Power Controller Control: off (1); Power Indicator: On */
            Method (_OFF, 0, NotSerialized)
            {
                Debug = "vfiopm: slot 00:02.0 power off"
                SLTC = (SLTC & 0xF8FF) | 0x0500
                PSTA = Zero
            }
        }

        Name (_PR0, Package (One) { PWRS })
        Name (_PR3, Package (One) { PWRS })
    }
}
