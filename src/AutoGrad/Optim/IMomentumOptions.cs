namespace AutoGrad;

/// <summary>
/// Options with a momentum-like coefficient that schedules may cycle (PyTorch's <c>OneCycleLR(cycle_momentum=True)</c>):
/// SGD's and RMSprop's momentum, and β₁ of the Adam family.
/// </summary>
public interface IMomentumOptions
{
    /// <summary>The momentum coefficient (β₁ for the Adam family).</summary>
    double Momentum { get; set; }
}
