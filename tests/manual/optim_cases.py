"""The optimizer configurations the optimizer tests run: every option that changes the update, alone and
combined. Hyper-parameters are chosen so that 200 steps on a small MLP train smoothly (a chaotic run, like
gradient ascent without strong weight decay, amplifies rounding differences and would measure chaos, not
the optimizer)."""
import manual

CASES = {
    "sgd": lambda: manual.SGD(0.1),
    "sgd momentum": lambda: manual.SGD(0.05, momentum=0.9),
    "sgd momentum dampening weight_decay": lambda: manual.SGD(0.05, momentum=0.9, dampening=0.3, weight_decay=0.01),
    "sgd nesterov": lambda: manual.SGD(0.05, momentum=0.9, nesterov=True),
    "sgd maximize weight_decay": lambda: manual.SGD(0.01, weight_decay=5, maximize=True),
    "sgd nesterov maximize weight_decay": lambda: manual.SGD(0.01, momentum=0.5, nesterov=True, weight_decay=5,
                                                             maximize=True),
    "adam": lambda: manual.Adam(1e-2),
    "adam amsgrad weight_decay": lambda: manual.Adam(1e-2, weight_decay=0.1, amsgrad=True),
    "adam small betas": lambda: manual.Adam(1e-3, betas=(0.4, 0.9)),  # lerp weight 0.6: torch's other branch
    "adam maximize weight_decay": lambda: manual.Adam(1e-3, weight_decay=0.1, maximize=True),
    "adamw": lambda: manual.AdamW(1e-2),
    "adamw amsgrad": lambda: manual.AdamW(1e-2, weight_decay=0.1, amsgrad=True),
    "rmsprop": lambda: manual.RMSprop(1e-3),
    "rmsprop centered": lambda: manual.RMSprop(1e-3, centered=True),
    "rmsprop momentum weight_decay": lambda: manual.RMSprop(1e-3, momentum=0.5, weight_decay=0.01),
    "rmsprop centered momentum": lambda: manual.RMSprop(1e-3, centered=True, momentum=0.5, weight_decay=0.01),
    "adagrad": lambda: manual.Adagrad(0.1),
    "adagrad lr_decay weight_decay initial": lambda: manual.Adagrad(0.1, lr_decay=0.01, weight_decay=0.01,
                                                                    initial_accumulator_value=0.1),
}
